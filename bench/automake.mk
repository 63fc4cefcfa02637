noinst_PROGRAMS += bench/bench-flow-extract
bench_bench_flow_extract_SOURCES = bench/bench-flow-extract.c
bench_bench_flow_extract_LDADD = lib/libnfvs.la
