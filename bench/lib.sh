# Shared by the bench scripts that time whole processes against the reference (source it).

# field LOG WHAT: from a /usr/bin/time -v log, WHAT = wall (s) | rss (peak, MB) | cpu (%) | cpus (user+sys s)
field() {
  case $2 in
    wall) awk '/Elapsed \(wall clock\)/ {n=split($8,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; printf "%.2f", s}' "$1" ;;
    rss) awk '/Maximum resident set size/ {printf "%.0f", $6/1024}' "$1" ;;
    cpu) awk '/Percent of CPU this job got/ {sub("%","",$7); print $7}' "$1" ;;
    cpus) awk '/User time \(seconds\)/ {u=$4} /System time \(seconds\)/ {s=$4} END {printf "%.1f", u+s}' "$1" ;;
  esac
}

# ref_pythonpath DIR: the PYTHONPATH for bench/tag_ref.py. Its tokenizer imports ftfy (not a Debian
# package): without it, a stand-in in DIR/pystub whose fix_text returns its input, which is what
# ftfy does for the benches' plain-ASCII labels.
ref_pythonpath() {
  local pyp="${PYTHONPATH:-/work/pydeps}"
  if ! PYTHONPATH="$pyp" /usr/bin/python3 -c 'import ftfy' 2>/dev/null; then
    mkdir -p "$1/pystub"; echo 'def fix_text(s): return s' > "$1/pystub/ftfy.py"; pyp="$1/pystub"
  fi
  echo "$pyp"
}
