//! Rebuild when a built-in template changes: they are embedded with `include_dir!`, which
//! does not see files added to the folder.
fn main() {
    println!("cargo:rerun-if-changed=templates");
}
