bin_PROGRAMS += utilities/nfvs-ctl
utilities_nfvs_ctl_LDADD = lib/libnfvs.la
utilities_nfvs_ctl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
utilities_nfvs_ctl_SOURCES = utilities/nfvs-ctl.c
bin_PROGRAMS += utilities/nfvs-dpctl
utilities_nfvs_dpctl_LDADD = lib/libnfvs.la
utilities_nfvs_dpctl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
utilities_nfvs_dpctl_SOURCES = utilities/nfvs-dpctl.c
