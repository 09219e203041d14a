#!/bin/sh
# Helpers of `make install` (they keep what an administrator changed):
#
#   install-file.sh conffile MODE SRC DEST   install SRC as DEST unless DEST
#       exists; a changed DEST is kept and SRC goes beside it as DEST.new
#       (as dpkg does with conffiles), with a note on stderr
#   install-file.sh tree SRC DIR             replace directory DIR with a copy
#       of SRC, prepared beside it and swapped in by two renames: no file of
#       the old version stays behind (a stale template could stop start-up),
#       and a reload meanwhile sees one version, not a half-copied one
set -eu

die() { echo "install-file.sh: $*" >&2; exit 2; }

conffile() {
	mode=$1 src=$2 dest=$3
	mkdir -p "$(dirname "$dest")"
	if [ ! -e "$dest" ]; then
		install -m "$mode" "$src" "$dest"
	elif cmp -s "$src" "$dest"; then
		:
	else
		install -m "$mode" "$src" "$dest.new"
		echo "install: kept your $dest; the new version is $dest.new" >&2
	fi
}

tree() {
	src=$1 dir=$2
	[ -d "$src" ] || die "$src is not a directory"
	mkdir -p "$(dirname "$dir")"
	rm -rf "$dir.new" "$dir.old"
	cp -R "$src" "$dir.new"
	chmod -R u=rwX,go=rX "$dir.new"
	if [ -d "$dir" ]; then
		mv "$dir" "$dir.old"
	fi
	mv "$dir.new" "$dir"
	rm -rf "$dir.old"
}

case "${1:-}" in
conffile) [ $# -eq 4 ] || die "usage: conffile MODE SRC DEST"; conffile "$2" "$3" "$4" ;;
tree) [ $# -eq 3 ] || die "usage: tree SRC DIR"; tree "$2" "$3" ;;
*) die "usage: install-file.sh conffile MODE SRC DEST | tree SRC DIR" ;;
esac
