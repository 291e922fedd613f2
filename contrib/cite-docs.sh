#!/bin/sh
# cite-docs.sh: point the tree's citations at the documents in doc/, and check
# that every citation names a section those documents have.
#
# usage: contrib/cite-docs.sh [-n] [DIR]
#
#   DIR  the top of the source tree (default: the tree this script is in).
#   -n   check only: rewrite nothing, list the files a rewrite would change.
#
# The rewrite (idempotent; text files git tracks, or every text file when DIR
# is not a git checkout; doc/design.md, doc/transports.md and this script are
# left alone) turns the citations of the two documents the project was
# planned with, which lived outside the tree (in a directory named "shared"
# beside it), into citations of doc/:
#   - the WinDbg transports reference, by path or by name, and its short
#     form "WT" before a section sign, become doc/transports.md (§N stays);
#   - the design notes, by path or by bare name, become doc/design.md;
#   - first, a few fixed phrases that cited the design notes without a
#     heading get the heading they mean (the table @phrases below).
# Comment lines the rewrite makes longer than 80 columns are reflowed: words
# move down to the next line of the same paragraph, or to a new line, and a
# one-line comment becomes a block.

# The check, over the same files and the two documents: every
# doc/design.md "HEADING" (and each "HEADING" listed after it with ',', 'and'
# or 'or', a heading may run on over a comment's next line) must be a heading
# of doc/design.md, and every §N in a file citing doc/transports.md must be a
# numbered heading of doc/transports.md (§N after "RFC NNNN" is left alone).
# Nothing of the old forms may be left.  A line the rewrite made longer than
# 80 columns is reported as a warning, for reflowing by hand.
#
# Exit status: 0 when every citation resolves (and with -n nothing is left to
# rewrite); 1 when a citation names a missing section or an old form is left
# (each listed as FILE:LINE: ...), or with -n when files would change; 2 on
# a usage error or a tree without the two documents.  Needs perl 5.
set -eu

check_only=0
while getopts n opt; do
	case $opt in
	n) check_only=1 ;;
	*) echo "usage: $0 [-n] [DIR]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || { echo "usage: $0 [-n] [DIR]" >&2; exit 2; }
top=${1:-$(dirname "$0")/..}
cd "$top" || exit 2
for d in doc/design.md doc/transports.md; do
	[ -f "$d" ] || { echo "$0: $top: no $d" >&2; exit 2; }
done
command -v perl >/dev/null 2>&1 || { echo "$0: needs perl" >&2; exit 2; }

# Every text file of the tree, NUL-separated.
list_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git grep -z -I -l -e '' -- . ':!contrib/cite-docs.sh'
	else
		find . -path ./.git -prune -o -type f ! -name cite-docs.sh \
		    -print0 | xargs -0 grep -I -l -Z -e '' --
	fi
}

list=$(mktemp) || exit 2
trap 'rm -f "$list"' EXIT
list_files >"$list"
CHECK_ONLY=$check_only perl - "$list" <<'PERL' || exit $?
use strict;
use warnings;

my $check_only = $ENV{CHECK_ONLY};
local $/ = "\0";
open(my $lf, "<", $ARGV[0]) or die "$ARGV[0]: $!\n";
my @files = map { chomp; s{^\./}{}; $_ } <$lf>;
close($lf);
my %skip = map { $_ => 1 } qw(doc/design.md doc/transports.md);

# A line break inside a comment or a paragraph: the newline, then the
# comment leader of the next line.
my $nl = qr{\n[ \t]*(?:\*(?!/)|\#|//)?[ \t]*};
my $sp = qr{(?:[ \t]|$nl)};

# Citations of the design notes without a heading, and the heading each
# means.  The old names are spelt so that a grep of the tree for them does
# not find this file: $D is the notes' bare name, $S a section sign.
my $D = "design" . ".md";
my $S = "\xc2\xa7";
my @phrases = (
	[ qq{ (cited below as WT ${S}N)}, qq{ (cited below by section, ${S}N)} ],
	[ qq{ (WT) and the choices in}, qq{ and the choices in} ],
	[ qq{$D "certuser=", "proto="},
	  qq{$D "certuser= / machuser=", "proto="} ],
	[ qq{$D DisconnectProcessServer},
	  qq{doc/$D "Semantics", DisconnectProcessServer} ],
	[ qq{($D: DisconnectProcessServer)},
	  qq{(doc/$D "Semantics": DisconnectProcessServer)} ],
	[ qq{($D: error | warn | info | debug)},
	  qq{(doc/$D "Interfaces": error | warn | info | debug)} ],
	[ qq{($D: dbengprx without -p)},
	  qq{(doc/$D "Semantics": dbengprx without -p)} ],
	[ qq{this host's name ($D)},
	  qq{this host's name (doc/$D "npipe off Windows")} ],
	[ qq{($D: id, route, both peers,},
	  qq{(doc/$D "Sessions": id, route, both peers,} ],
	[ qq{($D: the connecting side names},
	  qq{(doc/$D "certuser= / machuser=": the connecting side names} ],
	[ qq{$D: the client names the same certificate},
	  qq{doc/$D "certuser= / machuser=": the client names the same certificate} ],
	[ qq{to a PEM file ($D):},
	  qq{to a PEM file (doc/$D "certuser= / machuser="):} ],
	[ qq{proto= ($D):}, qq{proto= (doc/$D "proto="):} ],
	[ qq{missing keys are errors ($D).},
	  qq{missing keys are errors (doc/$D "Keys and values").} ],
	[ qq{The canonical form of a spec ($D):},
	  qq{The canonical form of a spec (doc/$D "Keys and values"):} ],
	[ qq{($D, `dbgbridge -n`)},
	  qq{(doc/$D "Interfaces", `dbgbridge -n`)} ],
	[ qq{ipversion=6 ($D).},
	  qq{ipversion=6 (doc/$D "hidden, IcfEnable, ipversion=6").} ],
	[ qq{${S}2, ${S}3 and $D.},
	  qq{${S}2, ${S}3 and doc/$D "Choices where the debugger docs are silent".} ],
	[ qq{`windbg\x2dtransports.md` beside the design notes},
	  qq{[doc/transports.md](doc/transports.md)} ],
);

sub slurp {
	my ($f) = @_;
	open(my $fh, "<", $f) or die "$f: $!\n";
	local $/;
	my $t = <$fh>;
	close($fh);
	return $t;
}

# Words of a comment's text, to fit width columns after leader: the text
# up to the break, and what is carried to the next line.  Sentences keep
# their two spaces.
sub cols {
	my ($line) = @_;
	my $n = 0;
	for my $c (split //, $line) {
		$n = $c eq "\t" ? ($n + 8) & ~7 : $n + 1;
	}
	return $n;
}

sub wrap {
	my ($leader, $text) = @_;
	my @w = split / /, $text, -1;
	my $k = 0;
	for my $i (0 .. $#w) {
		last if cols($leader . join(" ", @w[0 .. $i])) > 80;
		$k = $i;
	}
	my @keep = @w[0 .. $k];
	my @carry = @w[$k + 1 .. $#w];
	pop @keep while @keep > 1 && $keep[-1] eq "";
	shift @carry while @carry && $carry[0] eq "";
	return (join(" ", @keep), join(" ", @carry));
}

# Lines of a comment the rewrite made longer than 80 columns: words go down
# to the next line of the same paragraph, or to a new line; a one-line
# comment becomes a block.  Code with a comment after it is left as it is.
sub reflow {
	my ($old, $new) = @_;
	my @o = split /\n/, $old, -1;
	my @n = split /\n/, $new, -1;
	return $new if @o != @n;
	my %touched = map { $_ => 1 }
	    grep { $n[$_] ne $o[$_] && cols($n[$_]) > 80 } 0 .. $#n;
	for (my $i = 0; $i <= $#n; $i++) {
		next unless $touched{$i} && cols($n[$i]) > 80;
		my ($lead, $cont, $text);
		if ($n[$i] =~ m{^([ \t]*)/\* (.*\S) \*/$}) {
			my $ind = $1;
			my @block = ("$ind/*");
			my $rest = $2;
			while ($rest ne "") {
				(my $line, $rest) = wrap("$ind * ", $rest);
				push @block, "$ind * $line";
			}
			push @block, "$ind */";
			splice @n, $i, 1, @block;
			%touched = map { $_ > $i ? ($_ + $#block => 1) :
			    ($_ => 1) } keys %touched;
			next;
		}
		if ($n[$i] =~ m{^([ \t]*)(/\*|\*|\#)( +)(\S.*)$} &&
		    $n[$i] !~ m{\*/}) {
			my ($ind, $mark, $gap) = ($1, $2, $3);
			$lead = "$ind$mark$gap";
			$text = $4;
			$cont = $mark eq "/*" ? "$ind * " : "$ind$mark$gap";
			$cont .= "  " if $text =~ /^[-*] /;
		} else {
			next;
		}
		my ($keep, $carry) = wrap($lead, $text);
		next if $carry eq "";
		$n[$i] = $lead . $keep;
		my $j = $i + 1;
		if ($j <= $#n && index($n[$j], $cont) == 0 &&
		    substr($n[$j], length $cont) =~ /^\S/ &&
		    $n[$j] !~ m{\*/}) {
			my $sep = $carry =~ /[.?!]\)?$/ ? "  " : " ";
			$n[$j] = $cont . $carry . $sep . substr($n[$j],
			    length $cont);
		} else {
			splice @n, $j, 0, $cont . $carry;
			%touched = map { $_ >= $j ? ($_ + 1 => 1) :
			    ($_ => 1) } keys %touched;
		}
		$touched{$j} = 1;
	}
	return join("\n", @n);
}

sub rewrite {
	my ($t) = @_;
	for my $p (@phrases) {
		my ($old, $new) = @$p;
		$t =~ s/\Q$old\E/$new/g;
	}
	$t =~ s{\.\./share[d]/windbg[-]transports\.md}{doc/transports.md}g;
	$t =~ s{(?<![\w/.-])windbg[-]transports\.md}{doc/transports.md}g;
	$t =~ s{\bWT(?=$sp+§)}{doc/transports.md}g;
	$t =~ s{\.\./share[d]/design\.md}{doc/design.md}g;
	$t =~ s{(?<![\w/.-])design\.md}{doc/design.md}g;
	return $t;
}

# The rewrite of one file's text, reflowed where it is a comment.
sub transform {
	my ($f, $old) = @_;
	my $new = rewrite($old);
	$new = reflow($old, $new)
	    if $new ne $old && $f =~ /\.(?:[ch]|sh|am|ac|dict)$/;
	return $new;
}

my $status = 0;
my @changed;
for my $f (@files) {
	next if $skip{$f};
	my $old = slurp($f);
	my $new = transform($f, $old);
	next if $new eq $old;
	push @changed, $f;
	my %was = map { $_ => 1 } split /\n/, $old;
	my @n = split /\n/, $new, -1;
	for my $i (0 .. $#n) {
		print STDERR "$f:", $i + 1, ": warning: longer than 80 ",
		    "columns after the rewrite\n"
		    if !$was{$n[$i]} && $f =~ /\.(?:[ch]|sh|am|ac|dict)$/ &&
		    cols($n[$i]) > 80;
	}
	next if $check_only;
	open(my $fh, ">", $f) or die "$f: $!\n";
	print $fh $new;
	close($fh) or die "$f: $!\n";
}
if (@changed) {
	print(($check_only ? "would rewrite" : "rewrote"), " $_\n") for @changed;
	$status = 1 if $check_only;
}

# The sections the two documents have.
my (%heading, %number);
for (split /\n/, slurp("doc/design.md")) {
	$heading{$1} = 1 if /^#{1,6}[ \t]+(.*?)[ \t]*$/;
}
for (split /\n/, slurp("doc/transports.md")) {
	$number{$1} = 1 if /^#{1,6}[ \t]+(\d+(?:\.\d+)*)\.?[ \t]/;
}

sub report {
	my ($f, $t, $pos, $msg) = @_;
	my $line = 1 + (() = substr($t, 0, $pos) =~ /\n/g);
	print "$f:$line: $msg\n";
	$status = 1;
}

sub tidy {
	my ($s) = @_;
	$s =~ s/$nl/ /g;
	return $s;
}

for my $f (@files) {
	my $t = $skip{$f} || !$check_only ? slurp($f) :
	    transform($f, slurp($f));
	if (!$skip{$f}) {
		while ($t =~ m{(\.\./share[d]/|windbg[-]transports\.md|\bWT$sp+§|(?<![\w/.-])design\.md)}g) {
			report($f, $t, $-[1], "old citation form left: '$1'");
		}
	}
	while ($t =~ m{doc/design\.md$sp*"((?:[^"\n]|$nl)+)"}g) {
		my @cites = ([ $1, $-[1] ]);
		while ($t =~ m{\G$sp*(?:,|\band\b|\bor\b)$sp*"((?:[^"\n]|$nl)+)"}gc) {
			push @cites, [ $1, $-[1] ];
		}
		for my $c (@cites) {
			my $h = tidy($c->[0]);
			report($f, $t, $c->[1], "doc/design.md has no section " .
			    "\"$h\"") unless $heading{$h};
		}
	}
	next unless $t =~ m{doc/transports\.md};
	while ($t =~ m{(?<!RFC \d{4} )(?<!RFC \d{3} )(?<!RFC \d{2} )§(\d+(?:\.\d+)*)}g) {
		report($f, $t, $-[0], "doc/transports.md has no section §$1")
		    unless $number{$1};
	}
}
exit $status;
PERL
