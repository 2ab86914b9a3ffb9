# SPDX-License-Identifier: ISC
# avow.bash - bash completion for avow(1): commands, subcommands, options,
# stances, rules, and files or directories where a command takes them.
# Installed to share/bash-completion/completions/avow; or source it.

_avow() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion || return
    else
        COMPREPLY=()
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local commands="init key contest member candidate actor declare retract decide log show
        state history explain timeline verify info status evidence witness checkpoint prove publish export import
        trust sync serve heads bundle chart demo help"
    local globals="-L --ledger -k --key --json -q --quiet -h --help"

    # Values of options.
    case $prev in
    -L | --ledger)
        COMPREPLY=($(compgen -d -- "$cur"))
        return
        ;;
    -k | --key | --checkpoint | --attestation | --evidence | --proof | --heads | --since | \
        --consistency | --remote-avow)
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
    --out)
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
    --rule)
        COMPREPLY=($(compgen -W "unanimity majority 2/3 1/2" -- "$cur"))
        return
        ;;
    --confidence | --min-confidence)
        COMPREPLY=($(compgen -W "high medium low" -- "$cur"))
        return
        ;;
    --choice)
        COMPREPLY=($(compgen -W "single multiple" -- "$cur"))
        return
        ;;
    --every)
        COMPREPLY=($(compgen -W "day week month change" -- "$cur"))
        return
        ;;
    --kind)
        COMPREPLY=($(compgen -W "contest member-join member-leave candidate-enter candidate-withdraw
            candidate-signal stance retract decision contest-amend actor-name" -- "$cur"))
        return
        ;;
    --at | --known-at | --from | --to | --until | --reported-at | --public-at | --takes-effect)
        COMPREPLY=($(compgen -W "now $(date -u +%Y-%m-%d 2>/dev/null)" -- "$cur"))
        return
        ;;
    --title | --source | --person | --quote | --reason | --note | --contest | --author | --origin | \
        --actor | --candidate | --grep | --max-count | --trust | --witness | --quorum | --after-seq | \
        --seq | --batch | --subtitle | --credit | --width | --height | --keep)
        return
        ;;
    esac

    # The command: the first word that is not a global option or its value.
    local i cmd="" sub="" pos=0
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        -L | --ledger | -k | --key) ((i++)) ;;
        -*) ;;
        *)
            if [[ -z $cmd ]]; then
                cmd=${words[i]}
            else
                [[ -z $sub ]] && sub=${words[i]}
                ((pos++))
            fi
            ;;
        esac
    done

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$globals --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    local opts="" subs="" files=0
    case $cmd in
    init) opts="--origin" ;;
    key)
        subs="new show rotate"
        [[ $sub == new ]] && opts="--passphrase" && files=1
        [[ $sub == rotate ]] && opts="--passphrase" && files=1
        [[ $sub == show ]] && opts="--vkey --witness"
        ;;
    contest)
        subs="new list"
        [[ $sub == list ]] || opts="--title --rule --choice --at --source --note"
        ;;
    member)
        subs="add remove"
        opts="--at --source --confidence --note --reported-at"
        ;;
    candidate)
        subs="add withdraw signal"
        opts="--at --source --confidence --note --reported-at"
        ;;
    actor)
        subs="name"
        opts="--at --source --note"
        ;;
    declare)
        opts="--at --source --person --quote --force --confidence --note --reported-at"
        if ((pos == 2)); then
            COMPREPLY=($(compgen -W "supports opposes undecided abstains" -- "$cur"))
            return
        fi
        ;;
    retract) opts="--reason --seq --batch" ;;
    decide) opts="--at --takes-effect --source --confidence --note --reported-at" ;;
    log) opts="--contest --author --actor --candidate --kind --since --until --grep -n --max-count --reverse --csv" ;;
    show) opts="" ;;
    state) opts="--at --known-at --attest --all-authors --min-confidence --public-at" ;;
    history) opts="--actor --candidate --all-authors --min-confidence --public-at" ;;
    explain) opts="--at --known-at --evidence --all-authors --min-confidence --public-at" ;;
    timeline) opts="--every --from --to --known-at --all-authors --min-confidence --public-at --csv" ;;
    verify) opts="--checkpoint --attestation --trust --witness --quorum" ;;
    evidence)
        subs="verify write"
        opts="--trust --out --witness --quorum"
        files=1
        ;;
    witness)
        subs="cosign"
        opts="--proof --trust --out"
        files=1
        ;;
    checkpoint) opts="--out" ;;
    prove)
        opts="--checkpoint --consistency --trust"
        files=1
        ;;
    export) opts="--contest --since --csv" ;;
    import)
        opts="--sign --csv --skip-bad --allow-duplicates --dry-run"
        files=1
        ;;
    trust)
        subs="add list remove revoke resolve"
        [[ $sub == revoke ]] && opts="--after-seq"
        [[ $sub == resolve ]] && opts="--keep"
        ;;
    sync)
        opts="--pull --push --remote-avow"
        files=1
        ;;
    serve)
        opts="--stdio"
        files=1
        ;;
    heads) opts="--out" ;;
    bundle)
        subs="create apply"
        opts="--heads"
        files=1
        ;;
    chart) opts="--out --from --to --known-at --all-authors --min-confidence --public-at --title --subtitle --credit --width --height" ;;
    publish) opts="" && files=1 ;;
    demo)
        COMPREPLY=($(compgen -d -- "$cur"))
        return
        ;;
    help)
        ((pos == 0)) && COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        return
        ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
    elif [[ -n $subs && -z $sub ]]; then
        COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    elif ((files)); then
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

complete -F _avow avow
