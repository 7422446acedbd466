//! My Actions: each one a declaration and a pure function, registered at the bottom in one
//! line. `runner build` makes one WebAssembly module per Action and bundles each as
//! `dist/<Name>/code.js`; `runner replay` runs the fixtures of `test-events/` against those
//! modules; `cargo test` runs `tests/actions.rs`.

pub mod add_roles_claim;

auth0_actions::actions! {
    "Add_Roles_Claim" => add_roles_claim::ACTION,
}
