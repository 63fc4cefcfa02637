noinst_PROGRAMS += bench/nfvs-bench-classifier
bench_nfvs_bench_classifier_SOURCES = bench/bench-classifier.c
bench_nfvs_bench_classifier_LDADD = lib/libnfvs.la
noinst_PROGRAMS += bench/nfvs-bench-rpc
bench_nfvs_bench_rpc_SOURCES = bench/bench-rpc.c
bench_nfvs_bench_rpc_LDADD = lib/libnfvs.la
bench_nfvs_bench_rpc_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
noinst_PROGRAMS += bench/bench-flow-extract
bench_bench_flow_extract_SOURCES = bench/bench-flow-extract.c
bench_bench_flow_extract_LDADD = lib/libnfvs.la
noinst_PROGRAMS += bench/bench-dpif
bench_bench_dpif_SOURCES = bench/bench-dpif.c
bench_bench_dpif_LDADD = lib/libnfvs.la
noinst_PROGRAMS += bench/bench-upcall
bench_bench_upcall_SOURCES = bench/bench-upcall.c
bench_bench_upcall_LDADD = lib/libnfvs.la
EXTRA_DIST += bench/add-flows.sh
EXTRA_DIST += bench/replace-stall.sh
noinst_PROGRAMS += bench/bench-conntrack
bench_bench_conntrack_SOURCES = bench/bench-conntrack.c
bench_bench_conntrack_LDADD = lib/libnfvs.la
EXTRA_DIST += bench/kmod-forward.py
noinst_PROGRAMS += bench/bench-connrate
bench_bench_connrate_SOURCES = bench/bench-connrate.c
EXTRA_DIST += bench/perf-netns.sh
EXTRA_DIST += bench/perf-lib.sh
EXTRA_DIST += bench/kernel-perf.sh
EXTRA_DIST += bench/bench-rings.sh

# make bench-kernel: bench/kernel-perf.sh in one boot of the test VM
# (nfvs.ko against a veth pair and the Linux bridge); the figures are
# printed and left in $(BENCH_VM_WORKDIR)/out/kernel-perf.txt.  Settings
# reach the script through vm-run, e.g.
#     make bench-kernel BENCH_VM_FLAGS='--env DURATION=10 --env REPS=5'
BENCH_VM_WORKDIR = $(abs_top_builddir)/bench/vm-work
BENCH_VM_TIMEOUT = 1800
bench-kernel: all
	@set -e; ko='$(NFVS_KO)'; \
	kver=`bash '$(abs_top_srcdir)/tests/vm/vm-run' --print-kver`; \
	if test -z "$$ko"; then \
	  echo "bench-kernel: building nfvs.ko for $$kver"; \
	  mkdir -p '$(KMOD_BUILDDIR)'; \
	  cp -pR '$(abs_top_srcdir)/datapath/.' '$(KMOD_BUILDDIR)/'; \
	  $(MAKE) -C "/lib/modules/$$kver/build" M='$(KMOD_BUILDDIR)' modules; \
	  ko='$(KMOD_BUILDDIR)/nfvs.ko'; \
	fi; \
	status=0; \
	NFVS_KO="$$ko" NFVS_SRCDIR='$(abs_top_srcdir)' \
	NFVS_BUILDDIR='$(abs_top_builddir)' \
	bash '$(abs_top_srcdir)/tests/vm/vm-run' --kver "$$kver" \
	  --workdir '$(BENCH_VM_WORKDIR)' --timeout '$(BENCH_VM_TIMEOUT)' \
	  $(BENCH_VM_FLAGS) '$(abs_top_srcdir)/bench/kernel-perf.sh' || status=$$?; \
	echo "bench-kernel: figures in $(BENCH_VM_WORKDIR)/out/kernel-perf.txt"; \
	exit $$status
.PHONY: bench-kernel
clean-local: clean-bench-kernel
clean-bench-kernel:
	rm -rf bench/vm-work
.PHONY: clean-bench-kernel
