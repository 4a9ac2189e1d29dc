#!/bin/sh
# A stand-in for nssm.exe (the tests run install.ps1 and uninstall.ps1 on Linux): each call is one
# line of its arguments, separated by tabs, in $IDHA_NSSM_LOG; each service is a folder under
# $IDHA_NSSM_STATE holding one file per setting and a status file.
first=1
for a in "$@"; do
  if [ $first = 1 ]; then printf '%s' "$a"; first=0; else printf '\t%s' "$a"; fi
done >> "$IDHA_NSSM_LOG"
printf '\n' >> "$IDHA_NSSM_LOG"
cmd=$1; svc=$2; dir="$IDHA_NSSM_STATE/$svc"
case "$cmd" in
  install) mkdir "$dir" || exit 5; printf '%s' "$3" > "$dir/Application"; echo Stopped > "$dir/status" ;;
  set) [ -d "$dir" ] || exit 3; key=$3; shift 3; printf '%s' "$*" > "$dir/$key" ;;
  start) [ -d "$dir" ] || exit 3; echo Running > "$dir/status" ;;
  stop) [ -d "$dir" ] || exit 3; echo Stopped > "$dir/status" ;;
  remove) [ -d "$dir" ] || exit 3; rm -rf "$dir" ;;
  *) echo "nssm stand-in: unknown command $cmd" >&2; exit 2 ;;
esac
