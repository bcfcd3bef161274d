//! Fuzz target: `decode` and `read_header` on arbitrary bytes must return, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use syntaxd::bytecode::{decode, read_header};

fuzz_target!(|data: &[u8]| {
    let _ = read_header(data);
    if let Ok(tree) = decode(data) {
        // A tree that decoded must be navigable everywhere.
        for node in tree.nodes() {
            let _ = tree.parent(node);
            let _ = tree.children(node).count();
        }
        let _ = tree.node_at_byte(tree.header().source_len as usize / 2);
    }
});
