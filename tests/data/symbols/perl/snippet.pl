#!/usr/bin/perl
use strict;
use warnings;

package Counter;

# Counts words read from a file handle.
sub new {
    my ($class, %args) = @_;
    my $self = { counts => {}, min_length => $args{min_length} // 1 };
    return bless $self, $class;
}

sub add_line {
    my ($self, $line) = @_;
    for my $word (split /\s+/, lc $line) {
        next if length($word) < $self->{min_length};
        $self->{counts}{$word}++;
    }
}

sub top {
    my ($self, $n) = @_;
    my $c = $self->{counts};
    my @sorted = sort { $c->{$b} <=> $c->{$a} } keys %$c;
    return @sorted[0 .. ($n < @sorted ? $n - 1 : $#sorted)];
}

package main;

my $counter = Counter->new(min_length => 3);
while (my $line = <STDIN>) {
    chomp $line;
    $counter->add_line($line);
}
print "$_\n" for $counter->top(5);
