//! The two post-login Actions of the seeds (the Next.js SaaS guide), written on the
//! `auth0-actions` framework exactly as a team writes its own: each a declaration and a pure
//! function, registered here in one line.
//!
//! - [`manage_subscription`]: puts the subscription (`plan;end_date;status`) into the ID
//!   token, and starts a trial for a user who has none.
//! - [`set_default_member_role`]: on a member's first login in an organization, asks for the
//!   configured role(s) through the Management API.

pub mod manage_subscription;
pub mod set_default_member_role;

auth0_actions::actions! {
    "Manage_Subscription" => manage_subscription::ACTION,
    "Set_Default_Member_Role" => set_default_member_role::ACTION,
}
