#!/bin/bash
# The program's layers, checked from its #include lines (docs/architecture.md):
#
#   lib → domain → core → service → web → cli
#
# A file may include files of its own layer and of the layers to its left,
# never of a layer to its right. web and cli are the two ends a request or
# a command comes in by; cli sits last only because `ysqgk serve` starts
# the web server. Besides, no two modules (a .c with its .h) include each
# other, directly or round a longer cycle. One list may point up:
# core/statements.def gathers the SQL files that sit beside their modules.
#
#   tests/layers.sh [FCGI_DIR]     (default: fcgi/ beside this script's folder)
#
# Prints every breach with its file and line; exits 1 when there is one.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${1:-$HERE/../fcgi}
cd "$SRC"

# One line per include: FILE LINE TARGET (targets as written, from fcgi/).
grep -rnoE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[^"]+"' \
	--include='*.c' --include='*.h' --include='*.def' --include='*.stmts' --include='*.routes' . |
sed -E 's#^\./##; s#:([0-9]+):[[:space:]]*\#[[:space:]]*include[[:space:]]+"([^"]+)"# \1 \2#' |
awk '
function layer(path,   top) {
	top = path; sub(/\/.*/, "", top)
	return top
}
function rank(l) {
	return l == "lib" ? 0 : l == "domain" ? 1 : l == "core" ? 2 : l == "service" ? 3 : \
	       l == "web" ? 4 : l == "cli" ? 5 : -1
}
# A module: the path without its extension (x.c, x.h and x_internal.h
# are one); the statement, route and command lists are files of their own.
function module(path) {
	if (path ~ /\.(stmts|routes|def)$/) return path
	sub(/\.[a-z]+$/, "", path); sub(/_internal$/, "", path)
	return path
}
{
	file = $1; line = $2; target = $3
	if (rank(layer(file)) < 0) { printf "%s:%s: outside every layer\n", file, line; bad = 1; next }
	# gen/stmt_names.h: the names of core/statements.def, generated.
	if (target == "gen/stmt_names.h") target = "core/statements.def"
	if (rank(layer(target)) < 0) {
		printf "%s:%s: includes \"%s\", which names no layer\n", file, line, target; bad = 1; next
	}
	# core/statements.def gathers the SQL of every module into the one list each
	# connection prepares (the STMT_ names are one enum); the SQL itself
	# sits beside the module that runs it, in whatever layer that is.
	upward_ok = (file == "core/statements.def" && target ~ /\.stmts$/)
	if (rank(layer(target)) > rank(layer(file)) && !upward_ok) {
		printf "%s:%s: %s includes %s \"%s\"\n", file, line, layer(file), layer(target), target
		bad = 1
	}
	from = module(file); to = module(target)
	if (from != to && !((from, to) in edge)) {
		edge[from, to] = 1; out[from] = out[from] " " to; nodes[from] = 1; nodes[to] = 1
	}
}
# Depth-first search; a grey module met again closes a cycle.
function visit(m,   n, i, next_m, parts) {
	colour[m] = 1; stack[++depth] = m
	n = split(out[m], parts, " ")
	for (i = 1; i <= n; i++) {
		next_m = parts[i]
		if (colour[next_m] == 1) { report_cycle(next_m); bad = 1 }
		else if (!colour[next_m]) visit(next_m)
	}
	depth--; colour[m] = 2
}
function report_cycle(start,   i, s) {
	for (i = depth; i >= 1 && stack[i] != start; i--) ;
	s = stack[i]
	for (i = i + 1; i <= depth; i++) s = s " → " stack[i]
	printf "cycle: %s → %s\n", s, start
}
END {
	for (m in nodes) if (!colour[m]) visit(m)
	if (bad) exit 1
	print "layers: every include points down or sideways, no cycles"
}'
