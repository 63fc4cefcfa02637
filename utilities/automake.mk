bin_PROGRAMS += utilities/nfvs-ctl
utilities_nfvs_ctl_LDADD = lib/libnfvs.la
utilities_nfvs_ctl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
utilities_nfvs_ctl_SOURCES = utilities/nfvs-ctl.c
bin_PROGRAMS += utilities/nfvs-dpctl
utilities_nfvs_dpctl_LDADD = lib/libnfvs.la
utilities_nfvs_dpctl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
utilities_nfvs_dpctl_SOURCES = utilities/nfvs-dpctl.c
# The command table of nfvs-ctl is the one source of its man page's
# command sections and its bash completion's command names: the build
# fills docs/nfvs-ctl.8.in and utilities/nfvs-ctl.bash.in from
# "nfvs-ctl --list-commands" (tests/service.at checks the result).
EXTRA_DIST += utilities/ctl-commands.awk utilities/nfvs-ctl.bash.in \
	docs/nfvs-ctl.8.in
CLEANFILES += utilities/nfvs-ctl.commands utilities/nfvs-ctl.bash \
	docs/nfvs-ctl.8
utilities/nfvs-ctl.commands: utilities/nfvs-ctl$(EXEEXT)
	$(AM_V_GEN)utilities/nfvs-ctl --list-commands > $@.tmp && mv $@.tmp $@
utilities/nfvs-ctl.bash: utilities/nfvs-ctl.bash.in \
		utilities/nfvs-ctl.commands utilities/ctl-commands.awk
	$(AM_V_GEN)$(AWK) -v table=utilities/nfvs-ctl.commands \
	  -f $(srcdir)/utilities/ctl-commands.awk \
	  $(srcdir)/utilities/nfvs-ctl.bash.in > $@.tmp && mv $@.tmp $@
docs/nfvs-ctl.8: docs/nfvs-ctl.8.in utilities/nfvs-ctl.commands \
		utilities/ctl-commands.awk
	$(AM_V_GEN)$(MKDIR_P) docs && $(AWK) \
	  -v table=utilities/nfvs-ctl.commands \
	  -f $(srcdir)/utilities/ctl-commands.awk \
	  $(srcdir)/docs/nfvs-ctl.8.in > $@.tmp && mv $@.tmp $@
nodist_man_MANS += docs/nfvs-ctl.8
noinst_DATA += utilities/nfvs-ctl.bash

# Bash completion, installed under the command's name so that
# bash-completion loads it on first use.
bashcompdir = $(datadir)/bash-completion/completions
EXTRA_DIST += utilities/nfvs-switch.default
install-data-local: install-bash-completion
install-bash-completion: utilities/nfvs-ctl.bash
	$(MKDIR_P) '$(DESTDIR)$(bashcompdir)'
	$(INSTALL_DATA) utilities/nfvs-ctl.bash \
	  '$(DESTDIR)$(bashcompdir)/nfvs-ctl'
uninstall-local: uninstall-bash-completion
uninstall-bash-completion:
	rm -f '$(DESTDIR)$(bashcompdir)/nfvs-ctl'
.PHONY: install-bash-completion uninstall-bash-completion
