# Sourced by bench/run.sh and scripts/faults.sh: one private emulator for the script's run.
#
#   start_private_emulator KEEP_VAR
#
# Sets $py (the emulator's Python), $work (a temporary directory, removed on exit unless the
# variable named KEEP_VAR is set) and $emulator (host:port), and stops every process in
# $pids on exit (the emulator, and whatever the script adds).
start_private_emulator() {
    _keep_var="$1"
    py="$root/.venv/bin/python"
    "$root/scripts/setup-emulator.sh" >/dev/null
    work="$(mktemp -d)"
    pids=()
    trap _stop_private_emulator EXIT
    # The launcher exits when its stdin closes: fd 3 holds it open for the run.
    mkfifo "$work/emulator-stdin"
    "$py" "$root/tests/emulator/launcher.py" --port 0 <"$work/emulator-stdin" \
        >"$work/emulator.out" 2>"$work/emulator.log" &
    pids+=($!)
    exec 3>"$work/emulator-stdin"
    for _ in $(seq 1 300); do grep -q READY "$work/emulator.out" 2>/dev/null && break; sleep 0.1; done
    emulator="$(awk '/READY/ {print $2}' "$work/emulator.out")"
}

_stop_private_emulator() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    exec 3>&- 2>/dev/null || true
    if [[ -n "${!_keep_var:-}" ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
