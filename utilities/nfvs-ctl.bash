# bash completion for nfvs-ctl(8): commands, options, and the names of
# bridges and ports, which it asks the running daemon for with
# "nfvs-ctl list-br" and "nfvs-ctl list-ports BRIDGE" (on the --socket
# given on the command line, one second at most, errors discarded).
#
# Standalone: works with or without the bash-completion package.

_nfvs_ctl_commands="show add-br del-br list-br add-port del-port list-ports
set-port add-flow add-flows mod-flows del-flows replace-flows dump-flows
trace inject dump-dp-flows stats set-log list-log version"

_nfvs_ctl_options="--socket= --timeout= --format= --may-exist --if-exists
--strict --no-stats --names --generate --help --version"

# Runs nfvs-ctl ARG... against the socket named on the command line.
_nfvs_ctl_query()
{
    "${_nfvs_ctl_prog:-nfvs-ctl}" "${_nfvs_ctl_socket[@]}" --timeout=1 \
        "$@" 2>/dev/null
}

_nfvs_ctl_bridges()
{
    _nfvs_ctl_query list-br
}

# Prints the ports of bridge $1, or of every bridge without $1.
_nfvs_ctl_ports()
{
    local br
    if [[ -n ${1-} ]]; then
        _nfvs_ctl_query list-ports "$1"
    else
        for br in $(_nfvs_ctl_bridges); do
            _nfvs_ctl_query list-ports "$br"
        done
    fi
}

_nfvs_ctl()
{
    local words=() cword=0 i j=-1 w cur raw cmd="" args=() cands=""
    local nospace=""
    local _nfvs_ctl_socket=() _nfvs_ctl_prog=${COMP_WORDS[0]}

    # bash splits "--format=json" and "type=dummy" at "=" (see
    # COMP_WORDBREAKS); join such pieces back into one word.
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        if ((j >= 0)) && [[ $w == "=" || ${words[j]} == *= ]] \
           && ((i <= COMP_CWORD)); then
            words[j]+=$w
        else
            words[++j]=$w
        fi
        ((i == COMP_CWORD)) && cword=$j
    done
    cur=${words[cword]}
    raw=${COMP_WORDS[COMP_CWORD]}

    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        case $w in
            --socket=*) _nfvs_ctl_socket=("$w") ;;
            --socket) _nfvs_ctl_socket=(--socket="${words[i + 1]}")
                      ((i++)) ;;
            -t|--timeout) ((i++)) ;;
            -*) ;;
            *) if [[ -z $cmd ]]; then cmd=$w; else args+=("$w"); fi ;;
        esac
    done

    case $cur in
        --format=*) cands="--format=text --format=json" ;;
        --socket=*) cands=$(compgen -f -- "${cur#--socket=}" \
                            | sed 's/^/--socket=/') ;;
        --timeout=*) cands="" ;;
        -*) cands=$_nfvs_ctl_options; nospace=auto ;;
        *)
            if [[ -z $cmd ]]; then
                cands=$_nfvs_ctl_commands
            else
                case $cmd:${#args[@]} in
                    del-br:0|list-ports:0|add-port:0|set-port:0|\
                    add-flow:0|add-flows:0|mod-flows:0|del-flows:0|\
                    replace-flows:0|dump-flows:0|trace:0|inject:0|\
                    dump-dp-flows:0|stats:0)
                        cands=$(_nfvs_ctl_bridges) ;;
                    del-port:0)
                        cands="$(_nfvs_ctl_bridges) $(_nfvs_ctl_ports)" ;;
                    del-port:1|set-port:1|inject:1)
                        cands=$(_nfvs_ctl_ports "${args[0]}") ;;
                    add-port:1)
                        cands=$(ls /sys/class/net 2>/dev/null) ;;
                    add-port:[23])
                        cands="type=system type=internal type=dummy
                               ofport="
                        [[ $cur == type=* ]] || nospace=auto ;;
                    set-port:[23])
                        cands="tag= trunks="; nospace=yes ;;
                    add-flows:1|replace-flows:1)
                        cands=$(compgen -f -- "$cur") ;;
                    set-log:*)
                        cands="any console syslog file off emer err warn
                               info dbg" ;;
                esac
            fi
            ;;
    esac

    COMPREPLY=()
    # Offer only the part of each candidate that replaces bash's own
    # current word, which may start after an "=".
    local skip=$((${#cur} - ${#raw}))
    for w in $(compgen -W "$cands" -- "$cur"); do
        COMPREPLY+=("${w:skip}")
        [[ $nospace == auto && $w == *= ]] && nospace=yes
    done
    if [[ $nospace == yes ]] && type compopt &>/dev/null; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}

complete -F _nfvs_ctl nfvs-ctl
