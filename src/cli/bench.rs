//! `syntaxd bench`: measures the parse engine, the bytecode and incremental reparsing on a corpus
//! and reports every figure (and the targets of issue 3) as one JSON document or a summary.
//!
//! What is measured, per corpus language and overall:
//! - full-parse throughput through [`ParseEngine`] on one thread and on all cores, and with
//!   `--baseline` a bare [`tree_sitter::Parser`] on the same files in the same run, with each
//!   throughput's ratio to the bare parser's;
//! - [`bytecode::encode`] / [`bytecode::decode`] throughput, encode time as a fraction of parse
//!   time, decode speed-up over parsing, and encoded bytes per source byte (raw, lz4, zstd -3);
//! - incremental reparse latency (p50 / p99) after one-character edits in the middle of real
//!   ~1 000- and ~10 000-line files, and of synthetic Java and JavaScript files built from the
//!   project's own snippets;
//! - peak RSS and the RSS cost of an idle pooled parser.
//!
//! The one-thread pass interleaves, file by file, the bare parse, the engine parse, encode and
//! decode, so background load on a shared machine hits every figure alike. Corpora are sampled
//! deterministically (see [`Sampling`]) so a full run stays within a few minutes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Serialize;
use tree_sitter::{Parser, Tree};

use syntaxd::bytecode;
use syntaxd::language::locked_package_version;
use syntaxd::parse::{
    Document, EngineConfig, PARSE_THREAD_STACK_BYTES, ParseBudget, ParseEngine, ParserPool,
    PoolConfig, TextEdit, cores,
};

/// The corpus languages measured by default (those [`super::corpus`] assembles).
pub const DEFAULT_LANGUAGES: [&str; 3] = super::corpus::LANGUAGES;
/// Default cap on sampled files per language.
pub const DEFAULT_MAX_FILES: usize = 2_000;
/// Default cap on sampled source bytes per language (16 MiB).
pub const DEFAULT_MAX_BYTES: usize = 16 << 20;
/// Default size of the synthetic Java / JavaScript files, in lines.
pub const DEFAULT_SYNTHETIC_LINES: usize = 10_000;
/// Default number of one-character edits per incremental measurement.
pub const DEFAULT_EDITS: usize = 200;
/// Default number of pooled parsers for the idle-parser RSS measurement.
pub const DEFAULT_IDLE_PARSERS: usize = 200;
/// Version of the JSON document's layout.
pub const SCHEMA: &str = "syntaxd-bench/1";

/// Line counts of the files used for the incremental-reparse measurements.
const INCREMENTAL_TARGET_LINES: [usize; 2] = [1_000, 10_000];
/// Full parses timed per incremental file (the median is reported).
const FULL_PARSE_ROUNDS: usize = 7;

/// Arguments of `syntaxd bench`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct BenchArgs {
    /// Print one JSON document instead of the human-readable summary.
    #[arg(long)]
    pub json: bool,
    /// Exit with status 1 (after printing the report) when a measured target is missed.
    /// Targets this run did not measure (see `evaluated`) do not fail the check.
    #[arg(long)]
    pub check: bool,
    /// Also time a bare `tree_sitter::Parser` on the same files in the same run, and give
    /// every throughput with its ratio to the bare parser's.
    #[arg(long)]
    pub baseline: bool,
    /// Corpus directory: `DIR/<language>/` holds the files; `DIR/<language>.manifest`, if
    /// present, lists them. Default: the Python, C and Rust corpora assembled from the machine
    /// (Python standard library, /usr/include, cargo registry sources) in a temp dir.
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// Sample at most N files per language.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_FILES)]
    pub max_files: usize,
    /// Sample at most this many source bytes per language.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BYTES)]
    pub max_bytes: usize,
    /// Corpus languages to measure (registry ids), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "python,c,rust")]
    pub languages: Vec<String>,
    /// Threads for the all-cores runs (default: the available cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Lines of the synthetic Java and JavaScript files of the incremental measurement.
    #[arg(long, value_name = "LINES", default_value_t = DEFAULT_SYNTHETIC_LINES)]
    pub synthetic_lines: usize,
    /// One-character edits per incremental measurement (alternately insert and delete).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_EDITS)]
    pub edits: usize,
    /// Pooled parsers held at once to measure the RSS of an idle parser.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_IDLE_PARSERS)]
    pub idle_parsers: usize,
}

impl Default for BenchArgs {
    /// The same values as the command-line defaults.
    fn default() -> Self {
        Self {
            json: false,
            check: false,
            baseline: false,
            corpus: None,
            max_files: DEFAULT_MAX_FILES,
            max_bytes: DEFAULT_MAX_BYTES,
            languages: DEFAULT_LANGUAGES.iter().map(|l| l.to_string()).collect(),
            threads: None,
            synthetic_lines: DEFAULT_SYNTHETIC_LINES,
            edits: DEFAULT_EDITS,
            idle_parsers: DEFAULT_IDLE_PARSERS,
        }
    }
}

/// The whole report: what `syntaxd bench --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Layout version of this document ([`SCHEMA`]).
    pub schema: &'static str,
    /// The machine and the build.
    pub machine: Machine,
    /// The corpus and how it was sampled.
    pub corpus: CorpusReport,
    /// Per corpus language.
    pub languages: BTreeMap<String, LanguageReport>,
    /// All corpus languages together (sums of bytes, lines and times).
    pub overall: LanguageReport,
    /// Incremental reparse latency, one entry per (language, file size).
    pub incremental: Vec<IncrementalReport>,
    /// Memory figures.
    pub memory: MemoryReport,
    /// The targets of issue 3, each with its measured value.
    pub targets: BTreeMap<String, Target>,
    /// Wall-clock time of the whole run.
    pub elapsed_seconds: f64,
}

/// Facts about the machine and the build.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// Available cores.
    pub cores: usize,
    /// Threads used for the all-cores runs.
    pub threads_all_cores: usize,
    /// Operating system and architecture.
    pub os: String,
    /// The tree-sitter crate version linked in.
    pub tree_sitter_version: String,
    /// The newest grammar ABI that tree-sitter loads.
    pub tree_sitter_abi: usize,
    /// This crate's version.
    pub syntaxd_version: &'static str,
    /// `release` or `debug`.
    pub build_profile: &'static str,
    /// Whether the bare-parser baseline was measured.
    pub baseline: bool,
    /// The machine's other load is not controlled: figures on a shared machine are noisy.
    pub note: &'static str,
}

/// The corpus and its sampling.
#[derive(Debug, Clone, Serialize)]
pub struct CorpusReport {
    /// The corpus directory (a temporary one when assembled by this run).
    pub dir: String,
    /// Set when this run assembled the corpus: where each language's files came from.
    pub assembled_with: Option<String>,
    /// How files were sampled.
    pub sampling: Sampling,
    /// Per language: totals and the sample.
    pub languages: BTreeMap<String, CorpusLanguage>,
}

/// How the corpus was sampled.
#[derive(Debug, Clone, Serialize)]
pub struct Sampling {
    /// Cap on sampled files per language.
    pub max_files_per_language: usize,
    /// Cap on sampled source bytes per language.
    pub max_bytes_per_language: usize,
    /// The method, in words.
    pub method: &'static str,
}

/// Corpus totals and sample for one language.
#[derive(Debug, Clone, Serialize)]
pub struct CorpusLanguage {
    /// Parseable files in the corpus (UTF-8, no NUL byte).
    pub files_total: usize,
    /// Their bytes.
    pub bytes_total: u64,
    /// Their lines.
    pub lines_total: u64,
    /// Files left out as not UTF-8 or containing a NUL byte (the engine refuses them).
    pub files_skipped: usize,
    /// Files in the sample.
    pub files_sampled: usize,
    /// Bytes in the sample.
    pub bytes_sampled: u64,
    /// Lines in the sample.
    pub lines_sampled: u64,
}

/// Throughput and bytecode figures for one language (or overall).
#[derive(Debug, Clone, Serialize)]
pub struct LanguageReport {
    /// Files measured.
    pub files: usize,
    /// Source bytes measured.
    pub bytes: u64,
    /// Source lines measured.
    pub lines: u64,
    /// Full-parse throughput.
    pub parse: ParseReport,
    /// Encode / decode figures.
    pub bytecode: BytecodeReport,
}

/// Full-parse throughput.
#[derive(Debug, Clone, Serialize)]
pub struct ParseReport {
    /// Through the engine (pool checkout, input checks, hash, budget, watchdog) on one thread.
    pub engine_single_thread: Throughput,
    /// Through the engine on all cores (a shared pool of that many parsers).
    pub engine_all_cores: Throughput,
    /// Engine all-cores throughput over engine one-thread throughput.
    pub all_cores_speedup: f64,
    /// A bare `tree_sitter::Parser` on one thread (with `--baseline`).
    pub bare_single_thread: Option<Throughput>,
    /// Bare parsers, one per thread, on all cores (with `--baseline`).
    pub bare_all_cores: Option<Throughput>,
}

/// One throughput figure.
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    /// Threads used.
    pub threads: usize,
    /// Wall-clock seconds (for the one-thread pass: the sum of the timed calls).
    pub seconds: f64,
    /// Source lines per second.
    pub lines_per_s: f64,
    /// Source megabytes (10^6 bytes) per second.
    pub mb_per_s: f64,
    /// This throughput over the bare parser's with the same threads (with `--baseline`); for
    /// encode and decode, over the bare parser's one-thread parse throughput.
    pub ratio_to_bare: Option<f64>,
}

/// Encode / decode figures (one thread, the same files as the parse).
#[derive(Debug, Clone, Serialize)]
pub struct BytecodeReport {
    /// Syntax-tree nodes encoded.
    pub nodes: u64,
    /// `bytecode::encode` throughput, in source bytes and lines.
    pub encode: Throughput,
    /// `bytecode::decode` (into the navigable arena) throughput, in source bytes and lines.
    pub decode: Throughput,
    /// Encode time over engine parse time of the same files.
    pub encode_fraction_of_parse: f64,
    /// Engine parse time over decode time of the same files.
    pub decode_speedup_vs_parse: f64,
    /// Encoded bytes per source byte.
    pub bytes_per_source_byte: CompressedSizes,
    /// Encoded bytes in total.
    pub encoded_bytes: u64,
}

/// Encoded bytes per source byte, before and after compression.
#[derive(Debug, Clone, Serialize)]
pub struct CompressedSizes {
    /// The bytecode as encoded.
    pub raw: f64,
    /// After `lz4_flex::block::compress`.
    pub lz4: f64,
    /// After zstd level 3.
    pub zstd_3: f64,
}

/// Incremental reparse latency on one file.
#[derive(Debug, Clone, Serialize)]
pub struct IncrementalReport {
    /// Registry language id.
    pub language: String,
    /// True when the file was generated (repeated snippets), not taken from a corpus.
    pub synthetic: bool,
    /// The file (corpus-relative path) or how it was generated.
    pub source: String,
    /// The size this file stands for.
    pub target_lines: usize,
    /// Its lines.
    pub lines: usize,
    /// Its bytes.
    pub bytes: usize,
    /// Where the edits happen: one character appended to / removed from this identifier-like
    /// leaf, the first at or after the middle line.
    pub edit_line: usize,
    /// The kind of the edited leaf.
    pub edit_node_kind: String,
    /// Edits measured (alternately inserting and deleting one character).
    pub edits: usize,
    /// Median full parse through the engine, milliseconds.
    pub full_parse_ms: f64,
    /// Median incremental reparse (the engine's reparse), milliseconds.
    pub reparse_p50_ms: f64,
    /// 99th-percentile incremental reparse, milliseconds.
    pub reparse_p99_ms: f64,
    /// Median of the whole `Document::apply_edits` call (edit, reparse, changed ranges).
    pub apply_edits_p50_ms: f64,
    /// 99th percentile of the whole `Document::apply_edits` call.
    pub apply_edits_p99_ms: f64,
    /// Full parse over the median reparse.
    pub full_over_incremental_p50: f64,
    /// Full parse over the 99th-percentile reparse.
    pub full_over_incremental_p99: f64,
}

/// Memory figures.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryReport {
    /// Peak resident set size of this process: the larger of the kernel's high-water mark
    /// (`VmHWM`) and the largest RSS sampled through sysinfo between phases.
    pub peak_rss_bytes: u64,
    /// Where `peak_rss_bytes` comes from.
    pub peak_rss_source: String,
    /// The largest RSS sampled through sysinfo's per-process API (0 if unsupported).
    pub sampled_max_rss_bytes: u64,
    /// `VmHWM` from `/proc/self/status`, where the platform has it.
    pub vm_hwm_bytes: Option<u64>,
    /// RSS per idle pooled parser.
    pub idle_parser: IdleParserReport,
}

/// The RSS cost of idle pooled parsers.
#[derive(Debug, Clone, Serialize)]
pub struct IdleParserReport {
    /// Grammar the parsers were set to.
    pub language: String,
    /// Parsers checked out of one pool at once.
    pub parsers: usize,
    /// RSS growth per parser, fresh (language set, never parsed).
    pub fresh_bytes_per_parser: f64,
    /// RSS growth per parser after each parsed a small file once and went back idle.
    pub after_parse_bytes_per_parser: f64,
}

/// One target of issue 3.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// The target, in words.
    pub description: &'static str,
    /// `<=`, `<` or `>=`.
    pub comparison: Comparison,
    /// The limit.
    pub limit: f64,
    /// The measured value (`None` when not measured in this run: see `evaluated`).
    pub measured: Option<f64>,
    /// Whether the measured value meets the limit (false when not evaluated).
    pub met: bool,
    /// Whether this run measured it (the pool-vs-bare target needs `--baseline`).
    pub evaluated: bool,
    /// What the measured value is taken from.
    pub basis: String,
    /// The same figure per corpus language, where it applies.
    pub per_language: BTreeMap<String, f64>,
}

/// `syntaxd bench`: runs the benchmark and prints the report (JSON with `--json`).
pub fn run(args: &BenchArgs) -> anyhow::Result<std::process::ExitCode> {
    use std::io::Write as _;
    let report = run_bench(args)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", render(&report))?;
    }
    out.flush()?;
    let missed = missed_targets(&report.targets);
    if args.check && !missed.is_empty() {
        for (name, t) in &missed {
            eprintln!(
                "syntaxd: bench: target `{name}` missed: measured {} {} {} ({})",
                t.measured
                    .map_or_else(|| "-".to_string(), |m| format!("{m:.3}")),
                t.comparison,
                t.limit,
                t.description
            );
        }
        return Ok(std::process::ExitCode::FAILURE);
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// Runs the benchmark and returns the report (print it with [`render`] or serde).
///
/// # Errors
/// A missing corpus directory or corpus script, a failed corpus assembly, an empty corpus
/// language, a language unknown to the registry or compiled out, or a parse / decode failure
/// (which would be a bug).
pub fn run_bench(args: &BenchArgs) -> anyhow::Result<BenchReport> {
    let started = Instant::now();
    let mut rss = RssSampler::new();
    rss.sample();
    if args.languages.is_empty() {
        bail!("--languages names no language");
    }
    let threads = args.threads.unwrap_or_else(cores).max(1);

    for name in &args.languages {
        resolve_language(name)?;
    }
    let (_tmp, corpus_dir, assembled_with) = prepare_corpus(args)?;

    // Idle parsers before the corpus is loaded, on a fresh heap.
    let first = resolve_language(&args.languages[0])?;
    let idle_parser = idle_parser_rss(first, args.idle_parsers.max(1), &mut rss)?;

    let mut corpus_languages = BTreeMap::new();
    let mut languages = BTreeMap::new();
    let mut overall = Totals::default();
    let mut incremental = Vec::new();
    let engine_budget = ParseBudget::new(usize::MAX, Duration::from_secs(600));
    for name in &args.languages {
        let lang = resolve_language(name)?;
        let scan = scan_corpus(&corpus_dir, &lang.id)?;
        let sample = load_sample(&scan, args.max_files, args.max_bytes)?;
        rss.sample();
        let totals = measure_language(lang, &sample, threads, args.baseline, &engine_budget)?;
        rss.sample();
        languages.insert(lang.id.clone(), totals.report(args.baseline));
        overall.add(&totals);
        for target in INCREMENTAL_TARGET_LINES {
            let Some(candidate) = scan.closest_to(target) else {
                continue;
            };
            let text = read_text(&candidate.path)?;
            let source = candidate
                .path
                .strip_prefix(&corpus_dir)
                .unwrap_or(&candidate.path)
                .display()
                .to_string();
            incremental.push(measure_incremental(
                lang, text, source, false, target, args.edits,
            )?);
            rss.sample();
        }
        corpus_languages.insert(
            lang.id.clone(),
            CorpusLanguage {
                files_total: scan.files.len(),
                bytes_total: scan.files.iter().map(|f| f.bytes).sum(),
                lines_total: scan.files.iter().map(|f| f.lines).sum(),
                files_skipped: scan.skipped,
                files_sampled: sample.len(),
                bytes_sampled: sample.iter().map(|f| f.text.len() as u64).sum(),
                lines_sampled: sample.iter().map(|f| f.lines).sum(),
            },
        );
    }

    for synthetic in &SYNTHETIC {
        let Ok(lang) = resolve_language(synthetic.language) else {
            continue; // compiled out in this build
        };
        for target in INCREMENTAL_TARGET_LINES {
            let target = if target == 10_000 {
                args.synthetic_lines.max(1)
            } else {
                target.min(args.synthetic_lines.max(1))
            };
            let text = synthetic_source(synthetic, target);
            let source = format!(
                "synthetic: tests/data/snippets/{} repeated with renamed identifiers",
                synthetic.file
            );
            incremental.push(measure_incremental(
                lang, text, source, true, target, args.edits,
            )?);
        }
        rss.sample();
    }

    let overall = overall.report(args.baseline);
    let memory = rss.report(idle_parser);
    let targets = evaluate_targets(&languages, &overall, &incremental, &memory, threads);
    Ok(BenchReport {
        schema: SCHEMA,
        machine: Machine {
            cores: cores(),
            threads_all_cores: threads,
            os: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
            tree_sitter_version: locked_package_version("tree-sitter")
                .unwrap_or("unknown")
                .to_string(),
            tree_sitter_abi: tree_sitter::LANGUAGE_VERSION,
            syntaxd_version: env!("CARGO_PKG_VERSION"),
            build_profile: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            baseline: args.baseline,
            note: "wall-clock figures; other load on the machine is not controlled",
        },
        corpus: CorpusReport {
            dir: corpus_dir.display().to_string(),
            assembled_with,
            sampling: Sampling {
                max_files_per_language: args.max_files,
                max_bytes_per_language: args.max_bytes,
                method: "parseable files (UTF-8, no NUL) ordered by the xxh3 hash of their \
                         corpus-relative path; files are taken in that order while both caps \
                         hold (a file that would break the byte cap is skipped); incremental \
                         files are chosen from the whole corpus",
            },
            languages: corpus_languages,
        },
        languages,
        overall,
        incremental,
        memory,
        targets,
        elapsed_seconds: started.elapsed().as_secs_f64(),
    })
}

/// The human-readable summary printed without `--json`.
pub fn render(report: &BenchReport) -> String {
    let mut out = String::new();
    let m = &report.machine;
    let _ = writeln!(
        out,
        "syntaxd {} bench ({} build, tree-sitter {}, {} cores, all-cores runs on {} threads)",
        m.syntaxd_version, m.build_profile, m.tree_sitter_version, m.cores, m.threads_all_cores
    );
    let _ = writeln!(out, "corpus: {}", report.corpus.dir);
    for (name, c) in &report.corpus.languages {
        let _ = writeln!(
            out,
            "  {name:<8} {} of {} files, {:.1} of {:.1} MB sampled",
            c.files_sampled,
            c.files_total,
            c.bytes_sampled as f64 / 1e6,
            c.bytes_total as f64 / 1e6
        );
    }
    let _ = writeln!(
        out,
        "\nfull parse (MB/s; ×bare)     1 thread         all cores   | encode MB/s  decode MB/s  enc/parse  dec speed-up | B/B raw   lz4  zstd"
    );
    let rows = report
        .languages
        .iter()
        .map(|(n, r)| (n.as_str(), r))
        .chain(std::iter::once(("overall", &report.overall)));
    for (name, r) in rows {
        let p = &r.parse;
        let b = &r.bytecode;
        let _ = writeln!(
            out,
            "  {name:<10} {:>16} {:>16} ×{:.2} | {:>11.1} {:>12.1} {:>9.1}% {:>11.1}× | {:>6.3} {:>5.3} {:>5.3}",
            fmt_throughput(&p.engine_single_thread),
            fmt_throughput(&p.engine_all_cores),
            p.all_cores_speedup,
            b.encode.mb_per_s,
            b.decode.mb_per_s,
            b.encode_fraction_of_parse * 100.0,
            b.decode_speedup_vs_parse,
            b.bytes_per_source_byte.raw,
            b.bytes_per_source_byte.lz4,
            b.bytes_per_source_byte.zstd_3,
        );
    }
    let _ = writeln!(out, "\nincremental reparse after a one-character edit (ms)");
    for i in &report.incremental {
        let _ = writeln!(
            out,
            "  {:<10} {:>6} lines{} full {:>8.2}  p50 {:>7.3}  p99 {:>7.3}  full/p50 ×{:.0}  ({})",
            i.language,
            i.lines,
            if i.synthetic { "*" } else { " " },
            i.full_parse_ms,
            i.reparse_p50_ms,
            i.reparse_p99_ms,
            i.full_over_incremental_p50,
            i.source
        );
    }
    let mem = &report.memory;
    let _ = writeln!(
        out,
        "\nmemory: peak RSS {:.1} MB ({}); idle pooled {} parser: {:.1} KB fresh, {:.1} KB after one parse",
        mem.peak_rss_bytes as f64 / 1e6,
        mem.peak_rss_source,
        mem.idle_parser.language,
        mem.idle_parser.fresh_bytes_per_parser / 1e3,
        mem.idle_parser.after_parse_bytes_per_parser / 1e3
    );
    let _ = writeln!(out, "\ntargets (issue 3)");
    for (name, t) in &report.targets {
        let verdict = match (t.evaluated, t.met) {
            (false, _) => "not measured",
            (true, true) => "met",
            (true, false) => "MISSED",
        };
        let measured = t
            .measured
            .map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
        let _ = writeln!(
            out,
            "  {verdict:<12} {name:<40} {measured} {} {}  ({})",
            t.comparison, t.limit, t.basis
        );
    }
    let _ = writeln!(out, "\n{:.1} s", report.elapsed_seconds);
    out
}

fn fmt_throughput(t: &Throughput) -> String {
    match t.ratio_to_bare {
        Some(r) => format!("{:.2} (×{r:.2})", t.mb_per_s),
        None => format!("{:.2}", t.mb_per_s),
    }
}

// ---------------------------------------------------------------------------------------------
// Corpus

/// Returns the temp dir guard (kept alive by the caller), the corpus dir and, when this run
/// assembled it, where each language's files came from.
fn prepare_corpus(
    args: &BenchArgs,
) -> anyhow::Result<(Option<tempfile::TempDir>, PathBuf, Option<String>)> {
    if let Some(dir) = &args.corpus {
        if !dir.is_dir() {
            bail!("corpus directory {} does not exist", dir.display());
        }
        return Ok((None, dir.clone(), None));
    }
    let wanted: Vec<&str> = args
        .languages
        .iter()
        .map(String::as_str)
        .filter(|l| DEFAULT_LANGUAGES.contains(l))
        .collect();
    let tmp = tempfile::Builder::new()
        .prefix("syntaxd-bench-corpus")
        .tempdir()
        .context("creating a temporary corpus directory")?;
    let summaries = if wanted.is_empty() {
        Vec::new()
    } else {
        super::corpus::assemble(tmp.path(), &wanted)
            .context("no --corpus given and the default corpus cannot be assembled")?
    };
    let sources: Vec<String> = summaries
        .iter()
        .map(|s| format!("{}: {} ({} files)", s.language, s.source.display(), s.files))
        .collect();
    let dir = tmp.path().to_path_buf();
    Ok((Some(tmp), dir, Some(sources.join("; "))))
}

/// One parseable corpus file.
struct CorpusFile {
    path: PathBuf,
    rel: String,
    bytes: u64,
    lines: u64,
}

/// Every parseable file of one corpus language.
struct CorpusScan {
    files: Vec<CorpusFile>,
    skipped: usize,
}

impl CorpusScan {
    /// The file whose line count is closest to `lines` (the first in path order on a tie).
    fn closest_to(&self, lines: usize) -> Option<&CorpusFile> {
        self.files
            .iter()
            .min_by_key(|f| (f.lines.abs_diff(lines as u64), f.rel.clone()))
    }
}

/// Lists `DIR/<lang>/` (through `DIR/<lang>.manifest` when present), reading every file once
/// for its size and line count.
fn scan_corpus(dir: &Path, language: &str) -> anyhow::Result<CorpusScan> {
    let root = dir.join(language);
    if !root.is_dir() {
        bail!(
            "the corpus has no {language} directory: {} is missing",
            root.display()
        );
    }
    let manifest = dir.join(format!("{language}.manifest"));
    let mut rels: Vec<String> = if manifest.is_file() {
        std::fs::read_to_string(&manifest)
            .with_context(|| format!("reading {}", manifest.display()))?
            .lines()
            .map(|l| l.trim_start_matches("./").to_string())
            .filter(|l| !l.is_empty())
            .collect()
    } else {
        walk_files(&root)?
    };
    rels.sort();
    let mut files = Vec::new();
    let mut skipped = 0;
    for rel in rels {
        let path = root.join(&rel);
        let Ok(bytes) = std::fs::read(&path) else {
            skipped += 1;
            continue;
        };
        if bytes.contains(&0) || std::str::from_utf8(&bytes).is_err() {
            skipped += 1;
            continue;
        }
        files.push(CorpusFile {
            lines: count_lines(&bytes),
            bytes: bytes.len() as u64,
            path,
            rel,
        });
    }
    if files.is_empty() {
        bail!(
            "the {language} corpus at {} has no parseable file",
            root.display()
        );
    }
    Ok(CorpusScan { files, skipped })
}

/// Relative paths of every regular file under `root`, without recursion.
fn walk_files(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file()
                && let Ok(rel) = path.strip_prefix(root)
            {
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    Ok(out)
}

/// A sampled file, in memory.
struct SourceFile {
    text: String,
    lines: u64,
}

/// The deterministic sample: files in xxh3(path) order while both caps hold.
fn load_sample(
    scan: &CorpusScan,
    max_files: usize,
    max_bytes: usize,
) -> anyhow::Result<Vec<SourceFile>> {
    let mut order: Vec<&CorpusFile> = scan.files.iter().collect();
    order.sort_by_key(|f| (xxhash_rust::xxh3::xxh3_64(f.rel.as_bytes()), f.rel.clone()));
    let mut chosen = Vec::new();
    let mut bytes = 0u64;
    for f in order {
        if chosen.len() >= max_files.max(1) {
            break;
        }
        if bytes + f.bytes > max_bytes as u64 && !chosen.is_empty() {
            continue;
        }
        bytes += f.bytes;
        chosen.push(f);
    }
    chosen.sort_by(|a, b| a.rel.cmp(&b.rel));
    chosen
        .into_iter()
        .map(|f| {
            Ok(SourceFile {
                text: read_text(&f.path)?,
                lines: f.lines,
            })
        })
        .collect()
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8", path.display()))
}

/// Lines as an editor counts them: newlines, plus one for a last line without one.
fn count_lines(bytes: &[u8]) -> u64 {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(bytes.last().is_some_and(|&b| b != b'\n'))
}

fn resolve_language(name: &str) -> anyhow::Result<&'static syntaxd::language::Language> {
    syntaxd::language::resolve_language(Some(name), None::<&Path>, b"")
        .with_context(|| format!("--languages: {name}"))
}

// ---------------------------------------------------------------------------------------------
// Throughput and bytecode

/// Raw sums for one language (or several): bytes, lines and seconds of each measurement.
#[derive(Debug, Default, Clone)]
struct Totals {
    files: usize,
    bytes: u64,
    lines: u64,
    threads: usize,
    bare_single: Duration,
    engine_single: Duration,
    bare_all: Duration,
    engine_all: Duration,
    encode: Duration,
    decode: Duration,
    nodes: u64,
    encoded: u64,
    lz4: u64,
    zstd: u64,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.lines += other.lines;
        self.threads = other.threads;
        self.bare_single += other.bare_single;
        self.engine_single += other.engine_single;
        self.bare_all += other.bare_all;
        self.engine_all += other.engine_all;
        self.encode += other.encode;
        self.decode += other.decode;
        self.nodes += other.nodes;
        self.encoded += other.encoded;
        self.lz4 += other.lz4;
        self.zstd += other.zstd;
    }

    fn throughput(&self, threads: usize, elapsed: Duration, bare: Option<Duration>) -> Throughput {
        let seconds = elapsed.as_secs_f64().max(1e-9);
        Throughput {
            threads,
            seconds,
            lines_per_s: self.lines as f64 / seconds,
            mb_per_s: self.bytes as f64 / 1e6 / seconds,
            ratio_to_bare: bare.map(|b| b.as_secs_f64().max(1e-9) / seconds),
        }
    }

    fn report(&self, baseline: bool) -> LanguageReport {
        let bare_single = baseline.then_some(self.bare_single);
        let bare_all = baseline.then_some(self.bare_all);
        let engine_single = self.throughput(1, self.engine_single, bare_single);
        let engine_all = self.throughput(self.threads, self.engine_all, bare_all);
        let source = self.bytes.max(1) as f64;
        LanguageReport {
            files: self.files,
            bytes: self.bytes,
            lines: self.lines,
            parse: ParseReport {
                all_cores_speedup: engine_all.mb_per_s / engine_single.mb_per_s.max(1e-12),
                engine_single_thread: engine_single,
                engine_all_cores: engine_all,
                bare_single_thread: bare_single.map(|b| self.throughput(1, b, Some(b))),
                bare_all_cores: bare_all.map(|b| self.throughput(self.threads, b, Some(b))),
            },
            bytecode: BytecodeReport {
                nodes: self.nodes,
                encode: self.throughput(1, self.encode, bare_single),
                decode: self.throughput(1, self.decode, bare_single),
                encode_fraction_of_parse: self.encode.as_secs_f64()
                    / self.engine_single.as_secs_f64().max(1e-12),
                decode_speedup_vs_parse: self.engine_single.as_secs_f64()
                    / self.decode.as_secs_f64().max(1e-12),
                bytes_per_source_byte: CompressedSizes {
                    raw: self.encoded as f64 / source,
                    lz4: self.lz4 as f64 / source,
                    zstd_3: self.zstd as f64 / source,
                },
                encoded_bytes: self.encoded,
            },
        }
    }
}

fn engine_with(parsers: usize) -> ParseEngine {
    ParseEngine::new(EngineConfig {
        pool: PoolConfig {
            max_parsers: parsers,
            checkout_timeout: Duration::from_secs(60),
        },
        ..EngineConfig::default()
    })
}

/// Measures one language's sample: the interleaved one-thread pass (bare, engine, encode,
/// decode, compression), then the all-cores passes.
fn measure_language(
    lang: &'static syntaxd::language::Language,
    files: &[SourceFile],
    threads: usize,
    baseline: bool,
    budget: &ParseBudget,
) -> anyhow::Result<Totals> {
    let grammar = lang.ts_language()?;
    let id: &'static str = lang.id.as_str();
    let meta = bytecode::EncodeMeta {
        language_id: id,
        grammar_version: &lang.grammar_version,
    };
    let mut totals = Totals {
        files: files.len(),
        bytes: files.iter().map(|f| f.text.len() as u64).sum(),
        lines: files.iter().map(|f| f.lines).sum(),
        threads,
        ..Totals::default()
    };

    let mut bare = Parser::new();
    bare.set_language(grammar)
        .with_context(|| format!("{id}: grammar rejected by tree-sitter"))?;
    let engine = engine_with(1);
    let mut compressor = zstd::bulk::Compressor::new(3).context("creating a zstd compressor")?;
    on_parse_thread(|| -> anyhow::Result<()> {
        // Warm-up: fault in the grammar tables and grow the parsers' buffers.
        for f in files.iter().take(16) {
            std::hint::black_box(bare.parse(&f.text, None));
            std::hint::black_box(engine.parse(id, grammar, f.text.as_bytes(), budget)?);
        }
        let mut bare_single = Duration::ZERO;
        let mut time_bare = |text: &str| {
            let t = Instant::now();
            let tree = bare.parse(text, None);
            bare_single += t.elapsed();
            drop(std::hint::black_box(tree));
        };
        for (i, f) in files.iter().enumerate() {
            // Alternate which parser goes first, so neither always finds the source in cache.
            let bare_first = baseline && i % 2 == 0;
            if bare_first {
                time_bare(&f.text);
            }
            let t = Instant::now();
            let outcome = engine.parse(id, grammar, f.text.as_bytes(), budget)?;
            totals.engine_single += t.elapsed();
            if baseline && !bare_first {
                time_bare(&f.text);
            }

            let t = Instant::now();
            let bytes = bytecode::encode(&outcome.tree, f.text.as_bytes(), &meta);
            totals.encode += t.elapsed();

            let t = Instant::now();
            let decoded = bytecode::decode(&bytes);
            totals.decode += t.elapsed();
            let decoded = decoded.map_err(|e| anyhow::anyhow!("{id}: decode failed: {e}"))?;
            totals.nodes += decoded.len() as u64;
            drop(decoded);

            totals.encoded += bytes.len() as u64;
            totals.lz4 += lz4_flex::block::compress(&bytes).len() as u64;
            totals.zstd += compressor
                .compress(&bytes)
                .context("zstd compression")?
                .len() as u64;
        }
        totals.bare_single += bare_single;
        Ok(())
    })?;
    drop(engine);

    if baseline {
        totals.bare_all = parallel_pass(files, threads, || {
            let mut p = Parser::new();
            p.set_language(grammar).expect("the grammar loaded above");
            move |text: &str| {
                std::hint::black_box(p.parse(text, None));
                Ok(())
            }
        })?;
    }
    let engine = engine_with(threads);
    totals.engine_all = parallel_pass(files, threads, || {
        let engine = &engine;
        move |text: &str| {
            std::hint::black_box(engine.parse(id, grammar, text.as_bytes(), budget)?);
            Ok(())
        }
    })?;
    Ok(totals)
}

/// Runs `work` on every file from `threads` threads pulling from a shared index; returns the
/// wall-clock time.
fn parallel_pass<F, W>(files: &[SourceFile], threads: usize, make: F) -> anyhow::Result<Duration>
where
    F: Fn() -> W + Sync,
    W: FnMut(&str) -> anyhow::Result<()>,
{
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|s| -> anyhow::Result<()> {
        let mut handles = Vec::new();
        for _ in 0..threads {
            let (next, make) = (&next, &make);
            let handle = std::thread::Builder::new()
                .stack_size(PARSE_THREAD_STACK_BYTES)
                .spawn_scoped(s, move || -> anyhow::Result<()> {
                    let mut work = make();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(f) = files.get(i) else {
                            return Ok(());
                        };
                        work(&f.text)?;
                    }
                })
                .context("spawning a bench thread")?;
            handles.push(handle);
        }
        for handle in handles {
            handle
                .join()
                .map_err(|_| anyhow::anyhow!("a bench thread panicked"))??;
        }
        Ok(())
    })?;
    Ok(started.elapsed())
}

/// Runs `f` on a thread with the parse stack size and waits for it.
fn on_parse_thread<R: Send>(f: impl FnOnce() -> anyhow::Result<R> + Send) -> anyhow::Result<R> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(PARSE_THREAD_STACK_BYTES)
            .spawn_scoped(s, f)
            .context("spawning a bench thread")?
            .join()
            .map_err(|_| anyhow::anyhow!("a bench thread panicked"))?
    })
}

// ---------------------------------------------------------------------------------------------
// Incremental reparse

/// A snippet turned into a large synthetic file for a language without a corpus.
struct Synthetic {
    language: &'static str,
    file: &'static str,
    text: &'static str,
    /// Identifiers given a per-copy suffix, so copies do not redeclare each other.
    renamed: &'static [&'static str],
}

const SYNTHETIC: [Synthetic; 2] = [
    Synthetic {
        language: "java",
        file: "java.java",
        text: include_str!("../../tests/data/snippets/java.java"),
        renamed: &["Catalogue", "Book", "books", "findByTitle"],
    },
    Synthetic {
        language: "javascript",
        file: "javascript.js",
        text: include_str!("../../tests/data/snippets/javascript.js"),
        renamed: &["DEFAULT_LIMIT", "parseLine", "CsvReader", "reader"],
    },
];

/// The snippet's header (leading `package` / `import` / blank lines) once, then its body
/// repeated with `renamed` identifiers suffixed `_<copy>` until `lines` lines are reached.
fn synthetic_source(s: &Synthetic, lines: usize) -> String {
    let all: Vec<&str> = s.text.lines().collect();
    let header_len = all
        .iter()
        .take_while(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with("package ") || t.starts_with("import ")
        })
        .count();
    let mut out = String::new();
    for l in &all[..header_len] {
        out.push_str(l);
        out.push('\n');
    }
    let body = all[header_len..].join("\n");
    let mut copy = 0usize;
    let mut count = header_len;
    while count < lines {
        copy += 1;
        let renamed = rename_words(&body, s.renamed, &format!("_{copy}"));
        out.push_str(&renamed);
        out.push_str("\n\n");
        count += renamed.lines().count() + 1;
    }
    out
}

/// `text` with every whole-word occurrence of `names` suffixed with `suffix`.
fn rename_words(text: &str, names: &[&str], suffix: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(word);
        if names.contains(&word.as_str()) {
            out.push_str(suffix);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' || c == '$' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The first identifier-like leaf starting at or after the middle line: (byte offset of its
/// end, its row, its kind). `None` when the tree has none after the middle.
fn edit_site(tree: &Tree, text: &str) -> Option<(usize, usize, String)> {
    let lines = text.lines().count();
    let mid = text
        .match_indices('\n')
        .nth(lines / 2)
        .map_or(0, |(i, _)| i + 1);
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        let descend = node.end_byte() > mid && node.child_count() > 0;
        if node.child_count() == 0
            && node.start_byte() >= mid
            && node.is_named()
            && !node.is_missing()
            && node.end_byte() > node.start_byte()
            && node.kind().ends_with("identifier")
        {
            return Some((
                node.end_byte(),
                node.start_position().row,
                node.kind().to_string(),
            ));
        }
        if descend && cursor.goto_first_child() {
            continue;
        }
        // Next in pre-order: a sibling, or an ancestor's sibling.
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

fn measure_incremental(
    lang: &'static syntaxd::language::Language,
    text: String,
    source: String,
    synthetic: bool,
    target_lines: usize,
    edits: usize,
) -> anyhow::Result<IncrementalReport> {
    let grammar = lang.ts_language()?.clone();
    let id: &'static str = lang.id.as_str();
    on_parse_thread(move || {
        let engine = engine_with(1);
        let budget = ParseBudget::new(usize::MAX, Duration::from_secs(600));
        let mut full = Vec::with_capacity(FULL_PARSE_ROUNDS);
        for _ in 0..FULL_PARSE_ROUNDS {
            let t = Instant::now();
            std::hint::black_box(engine.parse(id, &grammar, text.as_bytes(), &budget)?);
            full.push(t.elapsed());
        }
        let lines = count_lines(text.as_bytes()) as usize;
        let bytes = text.len();
        let mut doc = Document::open(&engine, id, grammar, text, 0, &budget)
            .with_context(|| format!("{id}: opening {source}"))?;
        let (at, row, kind) = edit_site(doc.tree(), doc.text()).unwrap_or_else(|| {
            let mid = doc.text().len() / 2;
            let mid = (0..=mid)
                .rev()
                .find(|&i| doc.text().is_char_boundary(i))
                .unwrap_or(0);
            (mid, 0, "none".to_string())
        });
        let edits = edits.max(2);
        let mut reparse = Vec::with_capacity(edits);
        let mut apply = Vec::with_capacity(edits);
        for n in 0..edits {
            let edit = if n % 2 == 0 {
                TextEdit::bytes(at, at, "x")
            } else {
                TextEdit::bytes(at, at + 1, "")
            };
            let t = Instant::now();
            let outcome = doc
                .apply_edits(n as i64 + 1, &[edit])
                .with_context(|| format!("{id}: edit {n} of {source}"))?;
            apply.push(t.elapsed());
            reparse.push(outcome.reparse_elapsed);
        }
        let full_ms = percentile_ms(&mut full, 0.5);
        let p50 = percentile_ms(&mut reparse, 0.5);
        let p99 = percentile_ms(&mut reparse, 0.99);
        Ok(IncrementalReport {
            language: id.to_string(),
            synthetic,
            source,
            target_lines,
            lines,
            bytes,
            edit_line: row + 1,
            edit_node_kind: kind,
            edits,
            full_parse_ms: full_ms,
            reparse_p50_ms: p50,
            reparse_p99_ms: p99,
            apply_edits_p50_ms: percentile_ms(&mut apply, 0.5),
            apply_edits_p99_ms: percentile_ms(&mut apply, 0.99),
            full_over_incremental_p50: full_ms / p50.max(1e-9),
            full_over_incremental_p99: full_ms / p99.max(1e-9),
        })
    })
}

/// Nearest-rank percentile `p` (0..=1) of `samples`, in milliseconds (0 for no samples).
fn percentile_ms(samples: &mut [Duration], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort_unstable();
    let rank = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1].as_secs_f64() * 1e3
}

// ---------------------------------------------------------------------------------------------
// Memory

/// Tracks the largest RSS seen through sysinfo.
struct RssSampler {
    max_sampled: u64,
}

impl RssSampler {
    fn new() -> Self {
        Self { max_sampled: 0 }
    }

    /// Samples the current RSS, keeps the maximum and returns the sample.
    fn sample(&mut self) -> u64 {
        let rss = syntaxd::memory::current_rss_bytes().unwrap_or(0);
        self.max_sampled = self.max_sampled.max(rss);
        rss
    }

    fn report(mut self, idle_parser: IdleParserReport) -> MemoryReport {
        self.sample();
        let hwm = syntaxd::memory::hwm_rss_bytes();
        let (peak, source) = match hwm {
            Some(h) if h >= self.max_sampled => (h, "/proc/self/status VmHWM"),
            _ if self.max_sampled > 0 => (self.max_sampled, "sysinfo, largest sample"),
            _ => (0, "unavailable on this platform"),
        };
        MemoryReport {
            peak_rss_bytes: peak,
            peak_rss_source: source.to_string(),
            sampled_max_rss_bytes: self.max_sampled,
            vm_hwm_bytes: hwm,
            idle_parser,
        }
    }
}

/// RSS growth per pooled parser: `n` parsers checked out at once (fresh), returned; then
/// checked out again, each parsing a small file once, and returned idle.
fn idle_parser_rss(
    lang: &'static syntaxd::language::Language,
    n: usize,
    rss: &mut RssSampler,
) -> anyhow::Result<IdleParserReport> {
    let grammar = lang.ts_language()?;
    let id: &'static str = lang.id.as_str();
    let pool = ParserPool::new(PoolConfig {
        max_parsers: n,
        checkout_timeout: Duration::from_secs(10),
    });
    let before = rss.sample();
    let guards = (0..n)
        .map(|_| pool.checkout(id, grammar))
        .collect::<Result<Vec<_>, _>>()?;
    drop(guards);
    let fresh = rss.sample();
    let small = SYNTHETIC.iter().find(|s| s.language == id).map_or_else(
        || "x = [a + b for a, b in zip(range(10), range(10))]\n".repeat(40),
        |s| s.text.to_string(),
    );
    let mut guards = (0..n)
        .map(|_| pool.checkout(id, grammar))
        .collect::<Result<Vec<_>, _>>()?;
    for g in &mut guards {
        std::hint::black_box(g.parse(&small, None));
    }
    drop(guards);
    let used = rss.sample();
    Ok(IdleParserReport {
        language: id.to_string(),
        parsers: n,
        fresh_bytes_per_parser: fresh.saturating_sub(before) as f64 / n as f64,
        after_parse_bytes_per_parser: used.saturating_sub(before) as f64 / n as f64,
    })
}

// ---------------------------------------------------------------------------------------------
// Targets

fn evaluate_targets(
    languages: &BTreeMap<String, LanguageReport>,
    overall: &LanguageReport,
    incremental: &[IncrementalReport],
    memory: &MemoryReport,
    threads: usize,
) -> BTreeMap<String, Target> {
    let per_language = |f: &dyn Fn(&LanguageReport) -> f64| -> BTreeMap<String, f64> {
        languages.iter().map(|(k, v)| (k.clone(), f(v))).collect()
    };
    let all_languages = "overall, all corpus languages together".to_string();
    let mut targets = BTreeMap::new();
    let mut put = |name: &str, target: Target| {
        targets.insert(name.to_string(), target);
    };

    put(
        "encoded_bytes_per_source_byte_raw",
        Target::new(
            "encoded size at most 1.0 byte per source byte before compression",
            Comparison::AtMost,
            1.0,
            Some(overall.bytecode.bytes_per_source_byte.raw),
            all_languages.clone(),
            per_language(&|l| l.bytecode.bytes_per_source_byte.raw),
        ),
    );
    put(
        "encoded_bytes_per_source_byte_zstd",
        Target::new(
            "encoded size at most 0.30 byte per source byte after zstd -3",
            Comparison::AtMost,
            0.30,
            Some(overall.bytecode.bytes_per_source_byte.zstd_3),
            all_languages.clone(),
            per_language(&|l| l.bytecode.bytes_per_source_byte.zstd_3),
        ),
    );
    put(
        "encode_fraction_of_parse",
        Target::new(
            "encode adds at most 15 % to the parse time",
            Comparison::AtMost,
            0.15,
            Some(overall.bytecode.encode_fraction_of_parse),
            all_languages.clone(),
            per_language(&|l| l.bytecode.encode_fraction_of_parse),
        ),
    );
    put(
        "decode_speedup_vs_parse",
        Target::new(
            "decode into the navigable arena at least 20x faster than parsing",
            Comparison::AtLeast,
            20.0,
            Some(overall.bytecode.decode_speedup_vs_parse),
            all_languages.clone(),
            per_language(&|l| l.bytecode.decode_speedup_vs_parse),
        ),
    );
    let python_10k = incremental
        .iter()
        .filter(|i| i.language == "python" && !i.synthetic)
        .max_by_key(|i| i.target_lines);
    put(
        "incremental_speedup_python_10k_lines",
        Target::new(
            "incremental reparse after a one-character edit in the middle of a ~8 000-10 000-line \
             Python file at least 50x faster than its full parse (median)",
            Comparison::AtLeast,
            50.0,
            python_10k.map(|i| i.full_over_incremental_p50),
            python_10k.map_or_else(
                || "no Python corpus measured".to_string(),
                |i| format!("{} ({} lines)", i.source, i.lines),
            ),
            incremental
                .iter()
                .filter(|i| i.target_lines >= 5_000)
                .map(|i| (i.language.clone(), i.full_over_incremental_p50))
                .collect(),
        ),
    );
    put(
        "pool_idle_parser_rss_bytes",
        Target::new(
            "pool overhead under 5 MB RSS per idle parser (after one parse)",
            Comparison::Below,
            5e6,
            Some(memory.idle_parser.after_parse_bytes_per_parser),
            format!(
                "{} idle {} parsers",
                memory.idle_parser.parsers, memory.idle_parser.language
            ),
            BTreeMap::new(),
        ),
    );
    let one_core = overall.parse.engine_single_thread.ratio_to_bare;
    put(
        "pool_throughput_vs_bare_one_core",
        Target::new(
            "throughput through the pool within 5 % of a bare Parser on one core (needs --baseline)",
            Comparison::AtLeast,
            0.95,
            one_core,
            all_languages.clone(),
            per_language(&|l| {
                l.parse
                    .engine_single_thread
                    .ratio_to_bare
                    .unwrap_or(f64::NAN)
            })
            .into_iter()
            .filter(|(_, v)| v.is_finite())
            .collect(),
        ),
    );
    let two_cores = (threads == 2).then_some(overall.parse.all_cores_speedup);
    put(
        "pool_two_core_speedup",
        Target::new(
            "throughput through the pool on two cores at least 1.8x the one-core figure",
            Comparison::AtLeast,
            1.8,
            two_cores,
            if threads == 2 {
                all_languages
            } else {
                format!("not measured: the all-cores runs used {threads} threads, not 2")
            },
            if threads == 2 {
                per_language(&|l| l.parse.all_cores_speedup)
            } else {
                BTreeMap::new()
            },
        ),
    );
    targets
}

/// How a target compares the measured value with its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Comparison {
    /// `measured <= limit`.
    #[serde(rename = "<=")]
    AtMost,
    /// `measured < limit`.
    #[serde(rename = "<")]
    Below,
    /// `measured >= limit`.
    #[serde(rename = ">=")]
    AtLeast,
}

impl Comparison {
    /// Whether `measured` meets `limit`; a NaN never does.
    pub fn holds(self, measured: f64, limit: f64) -> bool {
        match self {
            Comparison::AtMost => measured <= limit,
            Comparison::Below => measured < limit,
            Comparison::AtLeast => measured >= limit,
        }
    }
}

impl std::fmt::Display for Comparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Comparison::AtMost => "<=",
            Comparison::Below => "<",
            Comparison::AtLeast => ">=",
        })
    }
}

impl Target {
    /// A target; a measurement that is absent or not finite leaves it not evaluated (and not met).
    fn new(
        description: &'static str,
        comparison: Comparison,
        limit: f64,
        measured: Option<f64>,
        basis: String,
        per_language: BTreeMap<String, f64>,
    ) -> Self {
        let measured = measured.filter(|m| m.is_finite());
        Self {
            description,
            comparison,
            limit,
            measured,
            met: measured.is_some_and(|m| comparison.holds(m, limit)),
            evaluated: measured.is_some(),
            basis,
            per_language,
        }
    }
}

/// The targets that were measured and missed (what `--check` fails on), in name order.
fn missed_targets(targets: &BTreeMap<String, Target>) -> Vec<(&str, &Target)> {
    targets
        .iter()
        .filter(|(_, t)| t.evaluated && !t.met)
        .map(|(name, t)| (name.as_str(), t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_files_reach_the_requested_size_with_renamed_copies() {
        for s in &SYNTHETIC {
            let text = synthetic_source(s, 1_000);
            let lines = text.lines().count();
            assert!((1_000..1_100).contains(&lines), "{}: {lines}", s.language);
            assert!(text.contains(&format!("{}_2", s.renamed[0])));
            assert_eq!(
                text.matches("import ").count(),
                s.text.matches("import ").count()
            );
        }
    }

    #[test]
    fn rename_touches_whole_words_only() {
        assert_eq!(
            rename_words("reader CsvReader reader.rows()", &["reader"], "_1"),
            "reader_1 CsvReader reader_1.rows()"
        );
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let mut v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile_ms(&mut v, 0.5), 50.0);
        assert_eq!(percentile_ms(&mut v, 0.99), 99.0);
        assert_eq!(percentile_ms(&mut [], 0.5), 0.0);
    }

    #[test]
    fn lines_count_a_last_line_without_newline() {
        assert_eq!(count_lines(b""), 0);
        assert_eq!(count_lines(b"a\nb"), 2);
        assert_eq!(count_lines(b"a\nb\n"), 2);
    }

    #[test]
    fn default_args_match_the_command_line_defaults() {
        use clap::Parser as _;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            bench: BenchArgs,
        }
        assert_eq!(Cli::parse_from(["bench"]).bench, BenchArgs::default());
    }

    fn target(comparison: Comparison, limit: f64, measured: Option<f64>) -> Target {
        Target::new(
            "t",
            comparison,
            limit,
            measured,
            String::new(),
            BTreeMap::new(),
        )
    }

    #[test]
    fn comparisons_hold_at_their_boundaries() {
        assert!(Comparison::AtMost.holds(1.0, 1.0));
        assert!(!Comparison::AtMost.holds(1.000_001, 1.0));
        assert!(Comparison::Below.holds(0.999, 1.0));
        assert!(!Comparison::Below.holds(1.0, 1.0));
        assert!(Comparison::AtLeast.holds(20.0, 20.0));
        assert!(!Comparison::AtLeast.holds(19.99, 20.0));
        for c in [Comparison::AtMost, Comparison::Below, Comparison::AtLeast] {
            assert!(!c.holds(f64::NAN, 1.0), "{c}");
        }
    }

    #[test]
    fn comparisons_serialise_as_their_operators() {
        let json =
            serde_json::to_string(&[Comparison::AtMost, Comparison::Below, Comparison::AtLeast])
                .expect("serialises");
        assert_eq!(json, r#"["<=","<",">="]"#);
        assert_eq!(Comparison::Below.to_string(), "<");
    }

    #[test]
    fn a_target_is_met_evaluated_or_neither() {
        let met = target(Comparison::AtLeast, 50.0, Some(61.0));
        assert!(met.evaluated && met.met);
        let missed = target(Comparison::AtMost, 0.30, Some(0.31));
        assert!(missed.evaluated && !missed.met);
        let unmeasured = target(Comparison::AtLeast, 1.8, None);
        assert!(!unmeasured.evaluated && !unmeasured.met);
        let nan = target(Comparison::AtLeast, 0.95, Some(f64::NAN));
        assert!(!nan.evaluated && !nan.met && nan.measured.is_none());
    }

    #[test]
    fn check_fails_only_on_measured_targets_that_are_missed() {
        let mut targets = BTreeMap::new();
        targets.insert(
            "a_met".to_string(),
            target(Comparison::Below, 5e6, Some(1e6)),
        );
        targets.insert(
            "b_unmeasured".to_string(),
            target(Comparison::AtLeast, 1.8, None),
        );
        assert!(missed_targets(&targets).is_empty());
        targets.insert(
            "c_missed".to_string(),
            target(Comparison::Below, 5e6, Some(5e6)),
        );
        let missed: Vec<&str> = missed_targets(&targets)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(missed, ["c_missed"]);
    }
}
