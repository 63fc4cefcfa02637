bin_PROGRAMS += utilities/nfvs-ctl
utilities_nfvs_ctl_LDADD = lib/libnfvs.la
utilities_nfvs_ctl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
utilities_nfvs_ctl_SOURCES = utilities/nfvs-ctl.c
bin_PROGRAMS += utilities/nfvs-dpctl
utilities_nfvs_dpctl_LDADD = lib/libnfvs.la
utilities_nfvs_dpctl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
utilities_nfvs_dpctl_SOURCES = utilities/nfvs-dpctl.c
# Bash completion, installed under the command's name so that
# bash-completion loads it on first use.
bashcompdir = $(datadir)/bash-completion/completions
EXTRA_DIST += utilities/nfvs-ctl.bash utilities/nfvs-switch.default
install-data-local: install-bash-completion
install-bash-completion:
	$(MKDIR_P) '$(DESTDIR)$(bashcompdir)'
	$(INSTALL_DATA) '$(srcdir)/utilities/nfvs-ctl.bash' \
	  '$(DESTDIR)$(bashcompdir)/nfvs-ctl'
uninstall-local: uninstall-bash-completion
uninstall-bash-completion:
	rm -f '$(DESTDIR)$(bashcompdir)/nfvs-ctl'
.PHONY: install-bash-completion uninstall-bash-completion
