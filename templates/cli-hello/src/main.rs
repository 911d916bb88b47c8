//! `{{project-name}}`: a command component. `wash build` builds it, `wash run` runs it.

fn main() {
    let who = std::env::args().nth(1).unwrap_or_else(|| "world".to_string());
    println!("Hello, {who}, from {{project-name}}!");
}
