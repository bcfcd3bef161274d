// Summary statistics over labelled samples.
module app.stats;

import std.stdio;
import std.algorithm : map, sum;
import std.array : array;

/// A sample with a label and a value.
struct Sample
{
    string label;
    double value;
}

double mean(const Sample[] samples)
{
    if (samples.length == 0)
        return 0.0;
    return samples.map!(s => s.value).sum / samples.length;
}

class Report
{
    private Sample[] samples;

    this(Sample[] samples) { this.samples = samples; }

    void print()
    {
        foreach (i, s; samples)
            writefln("%d: %s = %.2f", i, s.label, s.value);
        writeln("mean: ", mean(samples));
    }
}

void main()
{
    auto r = new Report([Sample("a", 1.5), Sample("b", 2.5)]);
    r.print();
}
