# Run one of toybox's own test scripts under a POSIX shell (our dash):
#   CMDNAME=cat C=/bin/cat FILES=... OPTIONFLAGS=:CAT:...: sh toybox_runner.sh cat.test
# toybox's scripts/runtest.sh does not parse under dash (bash's ";&", "${x/a/b}", "((..))",
# "{FD}>"), so this file re-implements the functions the tests call with the same output:
# one "PASS: name", "FAIL: name" (followed by the diff) or "SKIP: name" line per case.
# Tests always continue after a failure (upstream VERBOSE=all). dash's eval takes no "--".

export FAILCOUNT=0 SKIP=0

# bash's "echo -ne": dash's printf %b knows the common escapes; toybox's echo the rest (\x, \e).
echo_ne() {
  case $1 in
    *\\[!0abcfnrtv\\]*) /bin/echo -ne "$1" ;;
    *) printf %b "$1" ;;
  esac
}

wrong_args() {
  if [ $# -ne 5 ]; then
    printf "%s\n" "Test $NAME has the wrong number of arguments ($# $*)" >&2
    exit
  fi
}

do_pass() { printf "%s\n" "PASS: $NAME"; }
do_fail() { FAILCOUNT=$((FAILCOUNT + 1)); printf "%s\n" "FAIL: $NAME"; }

# Skip the next tests when option $1 is not in our build's configuration.
optional() {
  case $OPTIONFLAGS in
    "" | *:"$1":*) SKIP=0 ;;
    *) SKIP=99999 ;;
  esac
}

# Skip the next test unless the command line succeeds.
skipnot() {
  eval "$@"
  [ $? -eq 0 ] || { SKIP=$((SKIP + 1)); return 1; }
}

# Skip the test (the rest of the command line) unless $C is toybox.
toyonly() {
  case "$("$C" --version 2>/dev/null)" in
    toybox* | This\ is\ not\ GNU*) ;;
    *) [ "$SKIP" -eq 0 ] && SKIP=$((SKIP + 1)) ;;
  esac
  "$@"
}

# testing NAME COMMAND EXPECTED INPUT_FILE STDIN
testing() {
  NAME="$CMDNAME $1"
  wrong_args "$@"
  [ -z "$1" ] && NAME=$2
  if [ "$SKIP" -gt 0 ]; then
    printf "%s\n" "SKIP: $NAME"
    SKIP=$((SKIP - 1))
    return 0
  fi
  echo_ne "$3" > expected
  if [ -n "$4" ]; then echo_ne "$4" > input; else rm -f input; fi
  echo_ne "$5" | ${EVAL:-eval} "$2" > actual
  RETVAL=$?
  [ $RETVAL -gt 128 ] && echo "exited with signal (or returned $RETVAL)" >> actual
  DIFF="$(diff -au${NOSPACE:+w} expected actual)"
  if [ -z "$DIFF" ]; then
    do_pass
  else
    do_fail
    printf "%s\n" "$DIFF"
  fi
  rm -f input expected actual
  return 0
}

testcmd() {
  wrong_args "$@"
  X="$1"
  [ -z "$X" ] && X="$CMDNAME $2"
  testing "$X" "\"$C\" $2" "$3" "$4" "$5"
}

# Upstream's interactive "expect" needs bash (read -t, {FD}> redirections): not ported.
txpect() { NAME="$CMDNAME $1"; printf "%s\n" "SKIP: $NAME"; }

# The scripts are bash. Their "[ a == b ]" runs as dash's "[ a = b ]" (toybox's "[" knows "=="
# but not -ef), and an echo with options or backslashes runs as toybox's echo, which does what
# bash's does (dash's echo knows no -e and always expands escapes). Aliases reach the sourced
# script and the command lines it evals, while these functions keep the builtins.
bash_test() {
  local arg n=$#
  while [ "$n" -gt 0 ]; do
    arg=$1
    shift
    [ "$arg" = "==" ] && arg="="
    set -- "$@" "$arg"
    n=$((n - 1))
  done
  [ "$@"
}
bash_echo() {
  case "$*" in
    *\\*) ;;
    "" | [!-]* | -n | "-n "[!-]*) echo "$@"; return ;;
  esac
  /bin/echo "$@"
}
alias '[=bash_test' echo=bash_echo
mkdir -p testdir && cd testdir || exit 1
. "../$1"
