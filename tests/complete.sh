#! /bin/bash
# complete.sh WORD...: prints, sorted, what the bash completion of
# nfvs-ctl offers when the command line is WORD... with the cursor at the
# end of the last WORD.  The line is split into words as bash would,
# "=" included.
set -u
. "$NFVS_BUILDDIR/utilities/nfvs-ctl.bash"
COMP_WORDS=()
for arg in "$@"; do
    if [[ $arg == *=* ]]; then
        COMP_WORDS+=("${arg%%=*}" "=")
        [[ -n ${arg#*=} ]] && COMP_WORDS+=("${arg#*=}")
    else
        COMP_WORDS+=("$arg")
    fi
done
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
_nfvs_ctl
printf '%s\n' "${COMPREPLY[@]}" | sort
