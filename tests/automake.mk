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
# OpenFlow 1.3 channel (issue #16).
TESTSUITE_AT += tests/openflow.at
EXTRA_DIST += tests/ofp-client.py
tests_nfvstest_SOURCES += tests/test-mac-learning.c
tests_nfvstest_SOURCES += tests/test-classifier.c
tests_nfvstest_SOURCES += tests/test-classifier-random.c
TESTSUITE_AT += tests/classifier.at
tests_nfvstest_SOURCES += tests/test-rpc.c tests/test-rpc-server.c \
	tests/test-rpc-bounds.c
TESTSUITE_AT += tests/rpc.at
TESTSUITE_AT += tests/monitor.at
EXTRA_DIST += tests/monitor-client.py
tests_nfvstest_SOURCES += tests/test-flow.c
TESTSUITE_AT += tests/flow.at
# Fuzz targets (tests/fuzz.h).  tests/fuzz-replay runs each target once on
# every input of its corpus in tests/fuzz-corpus/ (fuzz.at, in "make
# check"); with "configure --enable-fuzzing CC=clang" each target is also a
# libFuzzer program tests/fuzz-NAME, linked with a copy of libnfvs built
# with the fuzzer's coverage instrumentation, and "make check-fuzz" runs
# each for FUZZ_SECONDS.
FUZZ_TARGETS = flow-extract flow-parse odp conntrack rpc ofp-msgs
FUZZ_RPC_SOURCES = vswitchd/bridge.c vswitchd/bridge.h \
	vswitchd/bridge-rpc.c vswitchd/bridge-rpc.h \
	vswitchd/flow-rpc.c vswitchd/flow-rpc.h \
	vswitchd/dp-rpc.c vswitchd/dp-rpc.h \
	vswitchd/ct-rpc.c vswitchd/ct-rpc.h \
	vswitchd/txn-rpc.c vswitchd/txn-rpc.h \
	vswitchd/monitor.c vswitchd/monitor.h
check_PROGRAMS += tests/fuzz-replay
tests_fuzz_replay_SOURCES = tests/fuzz-replay.c tests/fuzz.h \
	tests/fuzz-flow-extract.c tests/fuzz-flow-parse.c tests/fuzz-odp.c \
	tests/fuzz-conntrack.c tests/fuzz-rpc.c $(FUZZ_RPC_SOURCES) \
	tests/fuzz-ofp-msgs.c
tests_fuzz_replay_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/vswitchd
tests_fuzz_replay_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBEVENT_CFLAGS)
tests_fuzz_replay_LDADD = lib/libnfvs.la
TESTSUITE_AT += tests/fuzz.at
EXTRA_DIST += tests/fuzz-corpus tests/fuzz-check.sh
FUZZ_SECONDS = 60
FUZZ_FLAGS =
if FUZZING
FUZZ_CFLAGS = -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_LINK_FLAGS = -fsanitize=fuzzer,address,undefined
noinst_LTLIBRARIES += tests/libnfvs-fuzz.la
tests_libnfvs_fuzz_la_SOURCES = $(lib_libnfvs_la_SOURCES)
tests_libnfvs_fuzz_la_CFLAGS = $(lib_libnfvs_la_CFLAGS) $(FUZZ_CFLAGS)
tests_libnfvs_fuzz_la_LIBADD = $(lib_libnfvs_la_LIBADD)
FUZZ_PROG_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(FUZZ_CFLAGS) -DNFVS_LIBFUZZER
noinst_PROGRAMS += tests/fuzz-flow-extract tests/fuzz-flow-parse \
	tests/fuzz-odp tests/fuzz-conntrack tests/fuzz-rpc
tests_fuzz_flow_extract_SOURCES = tests/fuzz-flow-extract.c tests/fuzz.h
tests_fuzz_flow_extract_CFLAGS = $(FUZZ_PROG_CFLAGS)
tests_fuzz_flow_extract_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_flow_extract_LDADD = tests/libnfvs-fuzz.la
tests_fuzz_flow_parse_SOURCES = tests/fuzz-flow-parse.c tests/fuzz.h
tests_fuzz_flow_parse_CFLAGS = $(FUZZ_PROG_CFLAGS)
tests_fuzz_flow_parse_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_flow_parse_LDADD = tests/libnfvs-fuzz.la
tests_fuzz_odp_SOURCES = tests/fuzz-odp.c tests/fuzz.h
tests_fuzz_odp_CFLAGS = $(FUZZ_PROG_CFLAGS)
tests_fuzz_odp_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_odp_LDADD = tests/libnfvs-fuzz.la
tests_fuzz_conntrack_SOURCES = tests/fuzz-conntrack.c tests/fuzz.h
tests_fuzz_conntrack_CFLAGS = $(FUZZ_PROG_CFLAGS)
tests_fuzz_conntrack_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_conntrack_LDADD = tests/libnfvs-fuzz.la
tests_fuzz_rpc_SOURCES = tests/fuzz-rpc.c tests/fuzz.h $(FUZZ_RPC_SOURCES)
tests_fuzz_rpc_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/vswitchd
tests_fuzz_rpc_CFLAGS = $(FUZZ_PROG_CFLAGS)
tests_fuzz_rpc_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_rpc_LDADD = tests/libnfvs-fuzz.la
# OpenFlow 1.3 decoder (issue #16).
noinst_PROGRAMS += tests/fuzz-ofp-msgs
tests_fuzz_ofp_msgs_SOURCES = tests/fuzz-ofp-msgs.c tests/fuzz.h
tests_fuzz_ofp_msgs_CFLAGS = $(FUZZ_PROG_CFLAGS)
tests_fuzz_ofp_msgs_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_ofp_msgs_LDADD = tests/libnfvs-fuzz.la
endif
# make check-fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS='rpc odp'] [FUZZ_FLAGS=...]:
# runs each libFuzzer target for FUZZ_SECONDS from a copy of its corpus in
# tests/fuzz-work/; a crash's input is kept in tests/fuzz-work/NAME/.
# The last line is "N passed, M failed, 0 skipped" (one test per target),
# also kept in tests/fuzz-work/result.counts.
check-fuzz:
	@if test '$(enable_fuzzing)' != yes; then \
	  echo "check-fuzz: configure with --enable-fuzzing CC=clang" >&2; \
	  exit 1; \
	fi
	@$(MAKE) $(AM_MAKEFLAGS) $(addprefix tests/fuzz-,$(FUZZ_TARGETS))
	$(SHELL) $(srcdir)/tests/fuzz-check.sh '$(srcdir)/tests/fuzz-corpus' \
	  tests tests/fuzz-work '$(FUZZ_SECONDS)' '$(FUZZ_FLAGS)' \
	  $(FUZZ_TARGETS)
.PHONY: check-fuzz
clean-local: clean-fuzz
clean-fuzz:
	rm -rf tests/fuzz-work
.PHONY: clean-fuzz
tests_nfvstest_SOURCES += tests/test-netdev.c
TESTSUITE_AT += tests/netdev.at
tests_nfvstest_SOURCES += tests/test-netdev-wire.c
# The root-only system suite: its own generated script, run in tests/ like
# the main suite, so its log is tests/system-testsuite.log and its work
# tree tests/system-testsuite.dir, apart from the main suite's.
SYSTEM_TESTSUITE_AT =
SYSTEM_TESTSUITE_AT += tests/system-testsuite.at
SYSTEM_TESTSUITE_AT += tests/system-netdev.at
EXTRA_DIST += $(SYSTEM_TESTSUITE_AT) tests/system-testsuite tests/tcp-xfer.py \
	tests/nat-peer.py
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
TESTSUITE_AT += tests/ovs-parity.at
EXTRA_DIST += tests/ovs-parity.py tests/ovs-parity.corpus \
	tests/ovs-parity.expected
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
TESTSUITE_AT += tests/ports.at
TESTSUITE_AT += tests/limits.at
TESTSUITE_AT += tests/txn.at
SYSTEM_TESTSUITE_AT += tests/system-ct.at
SYSTEM_TESTSUITE_AT += tests/system-nat.at
EXTRA_DIST += tests/rst-inject.py tests/ct-linux.py tests/pktutil.py
EXTRA_DIST += tests/nat-icmp.py
EXTRA_DIST += tests/kernel/nfvsnl.py tests/kernel/10-datapath.test tests/kernel/20-forward.test tests/kernel/30-hostile.test tests/kernel/40-churn.test
EXTRA_DIST += tests/kernel/25-actions.test tests/kernel/26-arp-qinq.test
EXTRA_DIST += tests/kernel/27-meter.test tests/kernel/28-meter-daemon.test
EXTRA_DIST += tests/kernel/29-put-execute.test
EXTRA_DIST += tests/kernel/24-nat.test
SYSTEM_TESTSUITE_AT += tests/system-userspace.at
SYSTEM_TESTSUITE_AT += tests/system-monitor.at
SYSTEM_TESTSUITE_AT += tests/system-ports.at
EXTRA_DIST += tests/udp-tool.py
tests_nfvstest_SOURCES += tests/test-group.c
TESTSUITE_AT += tests/group.at
SYSTEM_TESTSUITE_AT += tests/system-group.at
EXTRA_DIST += tests/lb-echo.py
tests_nfvstest_SOURCES += tests/test-meter.c
TESTSUITE_AT += tests/meter.at
