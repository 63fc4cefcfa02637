noinst_PROGRAMS += bench/nfvs-bench-classifier
bench_nfvs_bench_classifier_SOURCES = bench/bench-classifier.c
bench_nfvs_bench_classifier_LDADD = lib/libnfvs.la
noinst_PROGRAMS += bench/nfvs-bench-rpc
bench_nfvs_bench_rpc_SOURCES = bench/bench-rpc.c
bench_nfvs_bench_rpc_LDADD = lib/libnfvs.la
bench_nfvs_bench_rpc_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
