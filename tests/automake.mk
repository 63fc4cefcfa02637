check_PROGRAMS += tests/nfvstest
tests_nfvstest_LDADD = lib/libnfvs.la
tests_nfvstest_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBEVENT_CFLAGS)
tests_nfvstest_SOURCES =
tests_nfvstest_SOURCES += tests/nfvstest.c tests/nfvstest.h
tests_nfvstest_SOURCES += tests/test-hmap.c

TESTSUITE_AT =
TESTSUITE_AT += tests/testsuite.at
TESTSUITE_AT += tests/nfvs-macros.at
TESTSUITE_AT += tests/library.at

EXTRA_DIST += $(TESTSUITE_AT) tests/testsuite tests/package.m4 \
	tests/atlocal.in tests/summary.sh
DISTCLEANFILES += tests/atconfig tests/atlocal

TESTSUITE = $(srcdir)/tests/testsuite
AUTOTEST = $(AUTOM4TE) -l autotest
AUTOTEST_PATH = utilities:vswitchd:tests

$(srcdir)/tests/package.m4: $(top_srcdir)/configure.ac
	$(AM_V_GEN){ \
	  echo '# Signature of the current package.'; \
	  echo 'm4_define([AT_PACKAGE_NAME],      [$(PACKAGE_NAME)])'; \
	  echo 'm4_define([AT_PACKAGE_TARNAME],   [$(PACKAGE_TARNAME)])'; \
	  echo 'm4_define([AT_PACKAGE_VERSION],   [$(PACKAGE_VERSION)])'; \
	  echo 'm4_define([AT_PACKAGE_STRING],    [$(PACKAGE_STRING)])'; \
	  echo 'm4_define([AT_PACKAGE_BUGREPORT], [$(PACKAGE_BUGREPORT)])'; \
	} > $@.tmp && mv $@.tmp $@

$(TESTSUITE): $(srcdir)/tests/package.m4 $(TESTSUITE_AT)
	$(AM_V_GEN)$(AUTOTEST) -I $(srcdir) -I $(srcdir)/tests \
	  -o $@.tmp $@.at && mv $@.tmp $@

# The suite's own exit status is kept; the summary line comes last so
# that "make check" ends with "N passed, M failed".
check-local: tests/atconfig tests/atlocal $(TESTSUITE) $(check_PROGRAMS)
	@status=0; \
	$(SHELL) '$(TESTSUITE)' -C tests AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	  $(TESTSUITEFLAGS) || status=$$?; \
	$(SHELL) $(srcdir)/tests/summary.sh tests/testsuite.log || :; \
	exit $$status

installcheck-local: tests/atconfig tests/atlocal $(TESTSUITE)
	$(SHELL) '$(TESTSUITE)' -C tests AUTOTEST_PATH='$(bindir):$(sbindir)' \
	  $(TESTSUITEFLAGS)

clean-local:
	test ! -f '$(TESTSUITE)' || $(SHELL) '$(TESTSUITE)' -C tests --clean
TESTSUITE_AT += tests/ctl.at
TESTSUITE_AT += tests/daemon.at
tests_nfvstest_SOURCES += tests/test-mac-learning.c
tests_nfvstest_SOURCES += tests/test-classifier.c
tests_nfvstest_SOURCES += tests/test-classifier-random.c
TESTSUITE_AT += tests/classifier.at
tests_nfvstest_SOURCES += tests/test-rpc.c tests/test-rpc-server.c
TESTSUITE_AT += tests/rpc.at
tests_nfvstest_SOURCES += tests/test-flow.c
TESTSUITE_AT += tests/flow.at
# libFuzzer target, with the parser's sources compiled in so that they
# carry the fuzzer's coverage instrumentation (configure --enable-fuzzing).
EXTRA_DIST += tests/fuzz-flow-extract.c
if FUZZING
noinst_PROGRAMS += tests/fuzz-flow-extract
tests_fuzz_flow_extract_SOURCES = tests/fuzz-flow-extract.c lib/flow.c \
	lib/dp-packet.c lib/csum.c lib/hash.c lib/dynamic-string.c lib/util.c
tests_fuzz_flow_extract_CFLAGS = $(AM_CFLAGS) \
	-fsanitize=fuzzer,address,undefined
tests_fuzz_flow_extract_LDFLAGS = $(AM_LDFLAGS) \
	-fsanitize=fuzzer,address,undefined
endif
tests_nfvstest_SOURCES += tests/test-netdev.c
TESTSUITE_AT += tests/netdev.at
tests_nfvstest_SOURCES += tests/test-netdev-wire.c
# The root-only system suite: its own generated script, run in tests/ like
# the main suite, so its log is tests/system-testsuite.log and its work
# tree tests/system-testsuite.dir, apart from the main suite's.
SYSTEM_TESTSUITE_AT =
SYSTEM_TESTSUITE_AT += tests/system-testsuite.at
SYSTEM_TESTSUITE_AT += tests/system-netdev.at
EXTRA_DIST += $(SYSTEM_TESTSUITE_AT) tests/system-testsuite tests/tcp-xfer.py
SYSTEM_TESTSUITE = $(srcdir)/tests/system-testsuite
$(SYSTEM_TESTSUITE): $(srcdir)/tests/package.m4 $(SYSTEM_TESTSUITE_AT) \
		$(srcdir)/tests/nfvs-macros.at
	$(AM_V_GEN)$(AUTOTEST) -I $(srcdir) -I $(srcdir)/tests \
	  -o $@.tmp $@.at && mv $@.tmp $@
check-system: tests/atconfig tests/atlocal $(SYSTEM_TESTSUITE) \
		$(check_PROGRAMS)
	@status=0; \
	$(SHELL) '$(SYSTEM_TESTSUITE)' -C tests \
	  AUTOTEST_PATH='$(AUTOTEST_PATH)' $(TESTSUITEFLAGS) || status=$$?; \
	$(SHELL) $(srcdir)/tests/summary.sh tests/system-testsuite.log || :; \
	exit $$status
.PHONY: check-system
tests_nfvstest_SOURCES += tests/test-ofp.c
TESTSUITE_AT += tests/ofp.at
tests_nfvstest_SOURCES += tests/test-vlog.c
tests_nfvstest_SOURCES += tests/test-db.c
tests_nfvstest_SOURCES += tests/test-daemon.c
TESTSUITE_AT += tests/base.at
TESTSUITE_AT += tests/flows.at
tests_nfvstest_SOURCES += tests/test-dpif.c
TESTSUITE_AT += tests/dpif.at
TESTSUITE_AT += tests/forward.at
SYSTEM_TESTSUITE_AT += tests/system-forward.at
tests_nfvstest_SOURCES += tests/test-netlink.c
TESTSUITE_AT += tests/dpif-netlink.at
TESTSUITE_AT += tests/service.at
EXTRA_DIST += tests/complete.sh
# make check-kernel: builds nfvs.ko (if datapath/ has a Kbuild file) in a
# copy of datapath/ under the build tree, boots Debian's kernel under qemu
# (tests/vm/vm-run) and runs tests/kernel/*.test there (tests/vm/run-tests).
# KERNEL_TESTS=PATTERN... picks tests; NFVS_KO=FILE uses a prebuilt module.
# The last line is "N passed, M failed, K skipped", also kept in
# tests/vm-work/out/result.counts; logs are in tests/vm-work/out/.
EXTRA_DIST += tests/vm/vm-run tests/vm/guest-init tests/vm/guest-stage2 \
	tests/vm/run-tests tests/vm/dmesg-check tests/vm/README \
	tests/kernel/00-boot.test tests/kernel/01-modload.test
KERNEL_TESTS =
VM_WORKDIR = $(abs_top_builddir)/tests/vm-work
VM_TIMEOUT = 1800
VM_RUN_FLAGS =
KMOD_BUILDDIR = $(abs_top_builddir)/tests/kmod-build
check-kernel: all $(check_PROGRAMS) tests/atconfig tests/atlocal $(SYSTEM_TESTSUITE)
	@set -e; ko='$(NFVS_KO)'; \
	kver=`bash '$(abs_top_srcdir)/tests/vm/vm-run' --print-kver`; \
	if test -z "$$ko" && test -f '$(abs_top_srcdir)/datapath/Kbuild'; then \
	  echo "check-kernel: building nfvs.ko for $$kver"; \
	  mkdir -p '$(KMOD_BUILDDIR)'; \
	  cp -pR '$(abs_top_srcdir)/datapath/.' '$(KMOD_BUILDDIR)/'; \
	  $(MAKE) -C "/lib/modules/$$kver/build" M='$(KMOD_BUILDDIR)' modules; \
	  ko='$(KMOD_BUILDDIR)/nfvs.ko'; \
	fi; \
	NFVS_KO="$$ko" NFVS_SRCDIR='$(abs_top_srcdir)' \
	NFVS_BUILDDIR='$(abs_top_builddir)' \
	bash '$(abs_top_srcdir)/tests/vm/vm-run' --kver "$$kver" \
	  --workdir '$(VM_WORKDIR)' --timeout '$(VM_TIMEOUT)' $(VM_RUN_FLAGS) \
	  '$(abs_top_srcdir)/tests/vm/run-tests' $(KERNEL_TESTS)
.PHONY: check-kernel
clean-local: clean-kernel-tests
clean-kernel-tests:
	rm -rf tests/vm-work tests/kmod-build
.PHONY: clean-kernel-tests
EXTRA_DIST += tests/kernel/02-nfvs-load.test
tests_nfvstest_SOURCES += tests/test-conntrack.c
TESTSUITE_AT += tests/conntrack.at
TESTSUITE_AT += tests/tls.at
EXTRA_DIST += tests/tls-certs.sh
TESTSUITE_AT += tests/ct.at
SYSTEM_TESTSUITE_AT += tests/system-ct.at
EXTRA_DIST += tests/rst-inject.py tests/ct-linux.py tests/pktutil.py
EXTRA_DIST += tests/kernel/nfvsnl.py tests/kernel/10-datapath.test tests/kernel/20-forward.test tests/kernel/30-hostile.test tests/kernel/40-churn.test
EXTRA_DIST += tests/kernel/25-actions.test
SYSTEM_TESTSUITE_AT += tests/system-userspace.at
EXTRA_DIST += tests/udp-tool.py
