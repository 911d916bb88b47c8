//! The greeter component. Its interface is this Rust trait: wash derives the WIT
//! (`wash wit` prints it), no `.wit` file needed.

/// Greets people.
#[wash::interface]
pub trait Greet {
    /// A greeting for one person.
    fn greet(who: Person) -> String;
}

/// Somebody to greet.
#[derive(wash::Type)]
pub struct Person {
    pub name: String,
}

struct Greeter;

#[wash::export]
impl Greet for Greeter {
    fn greet(who: Person) -> String {
        format!("Hello, {}, from the greeter component!", who.name)
    }
}
