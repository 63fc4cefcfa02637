noinst_PROGRAMS += bench/nfvs-bench-classifier
bench_nfvs_bench_classifier_SOURCES = bench/bench-classifier.c
bench_nfvs_bench_classifier_LDADD = lib/libnfvs.la
