# Fills a template from nfvs-ctl's command table, so that the man page
# and the bash completion cannot drift from the commands nfvs-ctl has.
#
#   awk -v table=FILE -f ctl-commands.awk TEMPLATE
#
# FILE is the output of "nfvs-ctl --list-commands" (NAME, USAGE, SECTION,
# HELP, separated by tabs, one command a line).  In TEMPLATE:
#   - a line "@NFVS_CTL_COMMANDS_MAN@" becomes the man page's command
#     sections (.SH per section, in order of first use; .TP per command);
#   - "@NFVS_CTL_COMMANDS@" becomes the command names, space-separated;
#   - "@NFVS_CTL_BRIDGE_COMMANDS@" becomes the names of the commands whose
#     first argument (after options in brackets) is BRIDGE or [BRIDGE].

# Escapes 's' for roff: backslashes, hyphens (as minus signs, which man
# pages use for options and commands) and a leading control character.
function roff(s) {
    gsub(/\\/, "\\e", s)
    gsub(/-/, "\\-", s)
    sub(/^[.']/, "\\\\&&", s)
    return s
}

# Formats a usage string: metavariables (upper case) in italics.
function usage_roff(s,    out, word) {
    s = roff(s)
    out = ""
    while (match(s, /[A-Z][A-Z_]*/)) {
        word = substr(s, RSTART, RLENGTH)
        out = out substr(s, 1, RSTART - 1) "\\fI" word "\\fR"
        s = substr(s, RSTART + RLENGTH)
    }
    return out s
}

# Whether usage 's' starts with a bridge argument.
function takes_bridge(s,    n, i, w) {
    n = split(s, w, " ")
    for (i = 1; i <= n; i++) {
        if (w[i] ~ /^\[--/) {
            continue
        }
        return w[i] == "BRIDGE" || w[i] == "[BRIDGE]"
    }
    return 0
}

BEGIN {
    FS = "\t"
    n = 0
    while ((getline line < table) > 0) {
        split(line, f, "\t")
        n++
        name[n] = f[1]
        use[n] = f[2]
        sec[n] = f[3]
        help[n] = f[4]
    }
    if (n == 0) {
        print "ctl-commands.awk: no commands in " table > "/dev/stderr"
        exit 1
    }
    names = ""
    bridge_names = ""
    for (i = 1; i <= n; i++) {
        names = names (i > 1 ? " " : "") name[i]
        if (takes_bridge(use[i])) {
            bridge_names = bridge_names (bridge_names != "" ? " " : "") \
                name[i]
        }
    }
}

$0 == "@NFVS_CTL_COMMANDS_MAN@" {
    n_secs = 0
    for (i = 1; i <= n; i++) {
        if (!(sec[i] in seen)) {
            seen[sec[i]] = 1
            secs[++n_secs] = sec[i]
        }
    }
    for (j = 1; j <= n_secs; j++) {
        print ".SH " secs[j]
        for (i = 1; i <= n; i++) {
            if (sec[i] != secs[j]) {
                continue
            }
            print ".TP"
            print "\\fB" roff(name[i]) "\\fR" \
                (use[i] != "" ? " " usage_roff(use[i]) : "")
            if (help[i] != "") {
                print roff(help[i])
            }
        }
    }
    next
}

{
    gsub(/@NFVS_CTL_COMMANDS@/, names)
    gsub(/@NFVS_CTL_BRIDGE_COMMANDS@/, bridge_names)
    print
}
