//! Rebuild when a built-in template or an SDK crate changes: they are embedded with
//! `include_dir!`, which does not see files added to the folders.
fn main() {
    println!("cargo:rerun-if-changed=templates");
    for sdk in ["wash-sdk", "wash-macros", "wash-derive"] {
        println!("cargo:rerun-if-changed=crates/{sdk}");
    }
}
