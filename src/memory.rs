//! The process's own memory, for budgets, benchmarks and metrics: resident set size now and
//! at its peak, from sysinfo's per-process API with a `/proc/self/status` fallback.

/// Current resident set size in bytes: sysinfo's per-process API, else `/proc/self/status`.
pub fn current_rss_bytes() -> Option<u64> {
    sysinfo_rss().or_else(|| proc_status_kib("VmRSS:").map(|kib| kib * 1024))
}

/// The kernel's high-water mark of the resident set (`VmHWM`), where the platform reports it.
pub fn hwm_rss_bytes() -> Option<u64> {
    proc_status_kib("VmHWM:").map(|kib| kib * 1024)
}

/// Peak resident set size in bytes: `VmHWM`, else the current RSS.
pub fn peak_rss_bytes() -> Option<u64> {
    hwm_rss_bytes().or_else(current_rss_bytes)
}

fn sysinfo_rss() -> Option<u64> {
    let pid = sysinfo::get_current_pid().ok()?;
    let mut sys = sysinfo::System::new().ok()?;
    sys.refresh_processes(sysinfo::ProcessesToUpdate::Some(&[pid]), true);
    sys.process(pid).map(|p| p.memory()).filter(|&m| m > 0)
}

fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_is_reported_and_peak_is_at_least_current() {
        let now = current_rss_bytes().expect("RSS is available on this platform");
        assert!(now > 1 << 20, "{now}");
        let peak = peak_rss_bytes().expect("peak RSS");
        assert!(peak >= now / 2, "{peak} vs {now}");
    }
}
