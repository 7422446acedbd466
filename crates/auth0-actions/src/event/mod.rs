//! Each trigger's `event`, as an Action reads it: typed views with Auth0's field names
//! ([`post_login`], [`credentials_exchange`], [`pre_user_registration`]) over the JSON the
//! module was given, which holds only the paths the Action declares (see
//! [`crate::projection`]).
//!
//! Reading is lenient, because the shape is Auth0's and grows over time: every read gives a
//! [`Field`], absent (`null` included), present, or present with another type ("unreadable,
//! found an array"); nothing here fails a login. Reading a path the Action did not declare
//! is not an empty value: the read is recorded, and the call ends with an
//! `undeclared_read` error that names the path (in replay, in the tests, and in the shim's
//! log line), so an Action can never decide on data it never asked for.
//!
//! How the check is cheap: every view carries where it is in the declaration ([`At`]: a
//! declared path and how much of it leads there), so reading a member compares one segment
//! of a declared path with the key, and only a read off every declared path costs more (it
//! spells the path for the error). A list is checked the same way (its elements cross only
//! when the path declares them with `[]`), so a list is never silently empty.

pub mod common;
pub mod credentials_exchange;
pub mod post_login;
pub mod pre_user_registration;

use std::cell::Cell;
use std::marker::PhantomData;

use crate::declaration::Declaration;
use crate::json::{Kind, Tree, number_value};
use crate::value::Value;

/// A part of the event that may be absent, readable, or present with another type.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Field<T> {
    /// Absent or `null`.
    #[default]
    Missing,
    Present(T),
    /// Present, but not the expected type; `found` names the JSON type that was there.
    Unreadable { found: Kind },
}

impl<T> Field<T> {
    pub fn as_ref(&self) -> Field<&T> {
        match self {
            Field::Missing => Field::Missing,
            Field::Present(value) => Field::Present(value),
            Field::Unreadable { found } => Field::Unreadable { found: *found },
        }
    }

    /// The value when present; `None` when missing or unreadable.
    pub fn present(self) -> Option<T> {
        match self {
            Field::Present(value) => Some(value),
            Field::Missing | Field::Unreadable { .. } => None,
        }
    }

    pub fn is_present(&self) -> bool {
        matches!(self, Field::Present(_))
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Field::Missing)
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Field<U> {
        match self {
            Field::Missing => Field::Missing,
            Field::Present(value) => Field::Present(f(value)),
            Field::Unreadable { found } => Field::Unreadable { found },
        }
    }

    /// `f` on the value when present (a field of a field: `event.user().and_then(|u| u.email())`).
    pub fn and_then<U>(self, f: impl FnOnce(T) -> Field<U>) -> Field<U> {
        match self {
            Field::Missing => Field::Missing,
            Field::Present(value) => f(value),
            Field::Unreadable { found } => Field::Unreadable { found },
        }
    }
}

/// The deepest path an Action may declare, `[]` markers included.
pub(crate) const MAX_PATH_KEYS: usize = 12;

/// The marker of a list's elements in a path and in declared paths.
pub(crate) const ELEMENTS: &str = "[]";

/// A path's keys, printed as a declaration spells them: `authentication.methods[].name`.
fn show(keys: &[&str]) -> String {
    let mut text = String::new();
    for (index, key) in keys.iter().enumerate() {
        if *key != ELEMENTS && index > 0 {
            text.push('.');
        }
        text.push_str(key);
    }
    text
}

/// What every view of one call shares: the event, the declaration it is read against, and
/// the undeclared paths read so far.
pub struct Root<'e> {
    event: &'e Tree<'e>,
    declaration: Declaration,
    undeclared: Cell<Vec<String>>,
}

impl std::fmt::Debug for Root<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Root").finish_non_exhaustive()
    }
}

impl<'e> Root<'e> {
    pub(crate) fn new(declaration: Declaration, event: &'e Tree<'e>) -> Root<'e> {
        Root { event, declaration, undeclared: Cell::new(Vec::new()) }
    }

    /// The undeclared paths read, each once, in the order first read.
    pub(crate) fn take_undeclared(&self) -> Vec<String> {
        self.undeclared.take()
    }

    /// Notes the read of `more` below `at` (`[]` for a list's elements) as undeclared. The
    /// path is spelled then, by a walk of the event (a projection of a few keys), rather
    /// than carried by every view.
    fn undeclared_below(&self, at: &Tree<'e>, more: &str) {
        let mut keys = Vec::new();
        if find(self.event, at, &mut keys) {
            keys.push(more);
            self.note(show(&keys));
        }
    }

    fn note(&self, path: String) {
        let mut undeclared = self.undeclared.take();
        if !undeclared.contains(&path) {
            undeclared.push(path);
        }
        self.undeclared.set(undeclared);
    }
}

/// The keys from `from` to `target` (found by address), pushed on `keys`; false when
/// `target` is not below `from`.
fn find<'e>(from: &'e Tree<'e>, target: &Tree<'e>, keys: &mut Vec<&'e str>) -> bool {
    if std::ptr::eq(from, target) {
        return true;
    }
    if keys.len() >= MAX_PATH_KEYS {
        return false;
    }
    match from {
        Tree::Object(members) => members.iter().any(|(key, value)| {
            keys.push(key.as_ref());
            let found = find(value, target, keys);
            if !found {
                keys.pop();
            }
            found
        }),
        Tree::Array(items) => items.iter().any(|item| {
            keys.push(ELEMENTS);
            let found = find(item, target, keys);
            if !found {
                keys.pop();
            }
            found
        }),
        _ => false,
    }
}

/// Where a place of the event is in the declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum At {
    /// On the way of the declared path `path` (its index): its first `end` bytes spell the
    /// way here (the event itself is `end` 0 of any path).
    Path { path: usize, end: usize },
    /// `event.secrets`.
    Secrets,
    /// A declared secret's value: nothing below it is declared.
    Secret,
    /// Off every declared path: already noted, so nothing below it is noted again.
    Undeclared,
}

impl At {
    const EVENT: At = At::Path { path: 0, end: 0 };

    /// Where the member `key` is; `None` when no declared path goes there.
    fn member(self, declaration: &Declaration, key: &str) -> Option<At> {
        match self {
            At::Path { path, end } => follow(declaration.event_paths, path, end, Step::Member(key.as_bytes())),
            At::Secrets => declaration.secrets.iter().any(|secret| same(secret.name.as_bytes(), key.as_bytes())).then_some(At::Secret),
            At::Secret => None,
            At::Undeclared => Some(At::Undeclared),
        }
    }

    /// Where the elements of the list here are; `None` when no declared path goes there.
    fn elements(self, declaration: &Declaration) -> Option<At> {
        match self {
            At::Path { path, end } => follow(declaration.event_paths, path, end, Step::Elements),
            At::Secrets | At::Secret => None,
            At::Undeclared => Some(At::Undeclared),
        }
    }
}

/// One step down a path: a member, or a list's elements (`[]`).
#[derive(Clone, Copy)]
enum Step<'k> {
    Member(&'k [u8]),
    Elements,
}

/// Where a step from the first `end` bytes of the declared path `path` goes: along that path
/// when it goes on so, else along another declared path with the same way here.
fn follow(paths: &[&str], path: usize, end: usize, step: Step<'_>) -> Option<At> {
    let came_by = paths.get(path)?.as_bytes();
    if let Some(end) = continues(came_by, end, step) {
        return Some(At::Path { path, end });
    }
    let way = came_by.get(..end)?;
    paths.iter().enumerate().find_map(|(index, declared)| {
        let declared = declared.as_bytes();
        if index == path || !declared.get(..end).is_some_and(|start| same(start, way)) {
            return None;
        }
        continues(declared, end, step).map(|end| At::Path { path: index, end })
    })
}

/// Where `declared` goes on after its first `end` bytes when it goes on with `step` (a
/// member follows a `.`, but at the start): the end of that segment.
fn continues(declared: &[u8], end: usize, step: Step<'_>) -> Option<usize> {
    let (start, segment): (usize, &[u8]) = match step {
        Step::Elements => (end, b"[]"),
        Step::Member(key) if end == 0 => (0, key),
        Step::Member(key) => {
            if declared.get(end) != Some(&b'.') {
                return None;
            }
            (end + 1, key)
        }
    };
    let stop = start + segment.len();
    if !declared.get(start..stop).is_some_and(|found| same(found, segment)) {
        return None;
    }
    match declared.get(stop) {
        None | Some(b'.' | b'[') => Some(stop),
        Some(_) => None,
    }
}

/// Byte equality, by a plain loop: keys are a few bytes, and at opt-level "z" the slice
/// comparison is three calls deep before `memcmp` compares a byte.
// Indexing below `a.len()`, which is `b.len()`.
#[allow(clippy::indexing_slicing)]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut at = 0;
    while at < a.len() {
        if a[at] != b[at] {
            return false;
        }
        at += 1;
    }
    true
}

/// One place in the event: the JSON there, where it is in the declaration, and the call's
/// [`Root`].
#[derive(Clone, Copy)]
pub struct Node<'e> {
    tree: &'e Tree<'e>,
    root: &'e Root<'e>,
    at: At,
}

impl std::fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.path(), self.tree.kind())
    }
}

impl<'e> Node<'e> {
    /// The event itself.
    pub(crate) fn root(root: &'e Root<'e>) -> Node<'e> {
        Node { tree: root.event, root, at: At::EVENT }
    }

    /// The JSON type here.
    pub fn kind(&self) -> Kind {
        self.tree.kind()
    }

    /// Where this is, as a declaration spells it.
    pub fn path(&self) -> String {
        let mut keys = Vec::new();
        find(self.root.event, self.tree, &mut keys);
        show(&keys)
    }

    /// `found`, or when it is `None` (an undeclared read of `more` below this), notes it.
    fn checked(&self, found: Option<At>, more: &str) -> At {
        found.unwrap_or_else(|| {
            self.root.undeclared_below(self.tree, more);
            At::Undeclared
        })
    }

    /// The member `key`, read as a `T`. The read is checked against the declaration whatever
    /// is there (absent, present, or below something that is not an object).
    pub fn child<T: FromNode<'e>>(&self, key: &str) -> Field<T> {
        let at = self.checked(self.at.member(&self.root.declaration, key), key);
        let Tree::Object(members) = self.tree else {
            return Field::Unreadable { found: self.tree.kind() };
        };
        // The last of repeated keys, as `JSON.parse` keeps it.
        let mut index = members.len();
        while index > 0 {
            index -= 1;
            if let Some((name, tree)) = members.get(index)
                && same(name.as_bytes(), key.as_bytes())
            {
                return match tree {
                    Tree::Null => Field::Missing,
                    tree => T::from_node(Node { tree, root: self.root, at }),
                };
            }
        }
        Field::Missing
    }

    /// `event.secrets`, which every trigger has and no event path names.
    pub(crate) fn secrets(&self) -> Field<Node<'e>> {
        let Tree::Object(members) = self.tree else { return Field::Missing };
        match members.iter().rev().find(|(name, _)| name == "secrets") {
            Some((_, tree)) => Node { tree, root: self.root, at: At::Secrets }.object(),
            None => Field::Missing,
        }
    }

    /// This node as a view of an object, or what it is instead.
    pub(crate) fn object(self) -> Field<Node<'e>> {
        match self.tree {
            Tree::Object(_) => Field::Present(self),
            Tree::Null => Field::Missing,
            other => Field::Unreadable { found: other.kind() },
        }
    }
}

/// A type an event's JSON can be read as.
pub trait FromNode<'e>: Sized {
    fn from_node(node: Node<'e>) -> Field<Self>;
}

impl<'e> FromNode<'e> for &'e str {
    fn from_node(node: Node<'e>) -> Field<Self> {
        match node.tree {
            Tree::String(text) => Field::Present(text.as_ref()),
            Tree::Null => Field::Missing,
            other => Field::Unreadable { found: other.kind() },
        }
    }
}

/// A JSON number, as JavaScript reads it.
impl<'e> FromNode<'e> for f64 {
    fn from_node(node: Node<'e>) -> Field<Self> {
        match node.tree {
            Tree::Number(text) => Field::Present(number_value(text)),
            Tree::Null => Field::Missing,
            other => Field::Unreadable { found: other.kind() },
        }
    }
}

impl<'e> FromNode<'e> for bool {
    fn from_node(node: Node<'e>) -> Field<Self> {
        match node.tree {
            Tree::Bool(value) => Field::Present(*value),
            Tree::Null => Field::Missing,
            other => Field::Unreadable { found: other.kind() },
        }
    }
}

/// Any JSON value: for the parts of the event whose shape is the application's
/// (`request.query`, metadata values, `prompt.fields`).
#[derive(Debug, Clone, Copy)]
pub struct Any<'e>(Node<'e>);

impl<'e> FromNode<'e> for Any<'e> {
    fn from_node(node: Node<'e>) -> Field<Self> {
        match node.tree {
            Tree::Null => Field::Missing,
            _ => Field::Present(Any(node)),
        }
    }
}

impl<'e> Any<'e> {
    pub fn kind(&self) -> Kind {
        self.0.kind()
    }

    pub fn as_str(&self) -> Option<&'e str> {
        <&str>::from_node(self.0).present()
    }

    pub fn as_f64(&self) -> Option<f64> {
        f64::from_node(self.0).present()
    }

    pub fn as_bool(&self) -> Option<bool> {
        bool::from_node(self.0).present()
    }

    /// The member `key`; unreadable when this is not an object.
    pub fn get(&self, key: &str) -> Field<Any<'e>> {
        self.0.child(key)
    }

    /// The elements, when this is a list whose elements the Action declares (`path[]`).
    pub fn items(&self) -> Field<List<'e, Any<'e>>> {
        List::from_node(self.0)
    }

    /// An owned copy of what crossed into the module here: a scalar as it is; a list or an
    /// object with only what the declaration lets through (see [`crate::projection`]).
    pub fn to_value(&self) -> Value {
        Value::from_tree(self.0.tree)
    }
}

/// A list in the event. Its elements cross into the module only when the Action declares
/// them (`authorization.roles[]`, `authentication.methods[].name`); reading one that is not
/// declared is an `undeclared_read`, never an empty list.
pub struct List<'e, T> {
    node: Node<'e>,
    item: PhantomData<fn() -> T>,
}

impl<T> Clone for List<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for List<'_, T> {}

impl<T> std::fmt::Debug for List<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "List({:?})", self.node)
    }
}

impl<'e, T: FromNode<'e>> FromNode<'e> for List<'e, T> {
    fn from_node(node: Node<'e>) -> Field<Self> {
        match node.tree {
            Tree::Array(_) => {
                let elements = node.checked(node.at.elements(&node.root.declaration), ELEMENTS);
                Field::Present(List { node: Node { at: elements, ..node }, item: PhantomData })
            }
            Tree::Null => Field::Missing,
            other => Field::Unreadable { found: other.kind() },
        }
    }
}

impl<'e, T: FromNode<'e>> List<'e, T> {
    fn items(&self) -> &'e [Tree<'e>] {
        match self.node.tree {
            Tree::Array(items) => items,
            _ => &[],
        }
    }

    pub fn len(&self) -> usize {
        self.items().len()
    }

    pub fn is_empty(&self) -> bool {
        self.items().is_empty()
    }

    /// Each element, read as a `T` (`null` is missing; another type is unreadable).
    pub fn iter(&self) -> impl Iterator<Item = Field<T>> + 'e {
        let Node { root, at, .. } = self.node;
        self.items().iter().map(move |tree| T::from_node(Node { tree, root, at }))
    }

    /// Every element, when every one of them is a `T` ("an array of strings" is `Ok` only
    /// when all are strings); else the first that is not, to say so.
    pub fn all(&self) -> Result<Vec<T>, BadElement> {
        self.iter()
            .enumerate()
            .map(|(index, field)| match field {
                Field::Present(item) => Ok(item),
                Field::Missing => Err(BadElement { index, found: Kind::Null }),
                Field::Unreadable { found } => Err(BadElement { index, found }),
            })
            .collect()
    }
}

/// The first element of a list that is not of the type read: [`List::all`]'s error.
/// Displays as what was found, for "expected an array of strings, found {error}".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadElement {
    pub index: usize,
    pub found: Kind,
}

impl std::fmt::Display for BadElement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an array whose element {} is {}", self.index, self.found)
    }
}

/// An object whose keys are the application's own (`app_metadata`, `user_metadata`,
/// `organization.metadata`, `client.metadata`, `request.query`): read by key.
#[derive(Debug, Clone, Copy)]
pub struct Metadata<'e>(Node<'e>);

impl<'e> FromNode<'e> for Metadata<'e> {
    fn from_node(node: Node<'e>) -> Field<Self> {
        node.object().map(Metadata)
    }
}

impl<'e> Metadata<'e> {
    /// The value of `key`, of any type.
    pub fn get(&self, key: &str) -> Field<Any<'e>> {
        self.0.child(key)
    }

    /// The value of `key` where a string is expected.
    pub fn get_str(&self, key: &str) -> Field<&'e str> {
        self.0.child(key)
    }
}

/// The Action's secrets (`event.secrets`): only the ones its decision declares cross into the
/// module; values that are not strings are ignored, as Auth0 only stores strings.
#[derive(Debug, Clone, Copy)]
pub struct Secrets<'e>(Field<Node<'e>>);


impl<'e> Secrets<'e> {
    pub(crate) fn of(event: &Node<'e>) -> Secrets<'e> {
        Secrets(event.secrets())
    }

    /// The value of the secret `name`, when it is set to a string.
    pub fn get(&self, name: &str) -> Option<&'e str> {
        match self.0 {
            Field::Present(node) => node.child::<&str>(name).present(),
            Field::Missing | Field::Unreadable { .. } => None,
        }
    }
}

/// Defines a view of one object of an event: a struct over a [`Node`], one accessor per
/// member (named as Auth0 names it, or in snake case with Auth0's key given), and `get` for
/// members the model does not name.
macro_rules! view {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$fmeta:meta])* $field:ident $(= $key:literal)? : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name<'e>(pub(crate) $crate::event::Node<'e>);

        impl<'e> $crate::event::FromNode<'e> for $name<'e> {
            fn from_node(node: $crate::event::Node<'e>) -> $crate::event::Field<Self> {
                node.object().map($name)
            }
        }

        impl<'e> $name<'e> {
            $(
                $(#[$fmeta])*
                pub fn $field(&self) -> $crate::event::Field<$ty> {
                    self.0.child(view!(@key $field $($key)?))
                }
            )*

            /// Any member by its key, for what this model does not name (Auth0 adds fields
            /// over time).
            pub fn get(&self, key: &str) -> $crate::event::Field<$crate::event::Any<'e>> {
                self.0.child(key)
            }
        }
    };
    (@key $field:ident $key:literal) => { $key };
    (@key $field:ident) => { stringify!($field) };
}

pub(crate) use view;

/// Defines a trigger's `event`: the root view, with `secrets`.
macro_rules! event {
    ($(#[$meta:meta])* { $($field:tt)* }) => {
        $crate::event::view! { $(#[$meta])* Event { $($field)* } }

        impl<'e> Event<'e> {
            pub(crate) fn new(node: $crate::event::Node<'e>) -> Self {
                Event(node)
            }

            /// `event.secrets`: the secrets the Action declares, and no others.
            pub fn secrets(&self) -> $crate::event::Secrets<'e> {
                $crate::event::Secrets::of(&self.0)
            }
        }
    };
}

pub(crate) use event;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declaration::{Secret, Trigger};

    const DECLARATION: Declaration = Declaration {
        trigger: Trigger::PostLogin,
        event_paths: &["user.user_id", "user.app_metadata", "user.identities", "authorization.roles[]", "authentication.methods[].name", "stats.logins_count"],
        secrets: &[Secret::optional("ROLE", "a role")],
        management_api: None,
    };

    fn with<R>(json: &str, read: impl FnOnce(&post_login::Event<'_>) -> R) -> (R, Vec<String>) {
        let tree = Tree::parse(json.as_bytes()).unwrap();
        let root = Root::new(DECLARATION, &tree);
        let event = post_login::Event::new(Node::root(&root));
        let result = read(&event);
        (result, root.take_undeclared())
    }

    #[test]
    fn fields_are_present_missing_or_unreadable() {
        let (fields, undeclared) = with(r#"{"user": {"user_id": 7, "app_metadata": "oops"}, "stats": {"logins_count": 1}}"#, |event| {
            let user = event.user().present().unwrap();
            (user.user_id().map(str::to_owned), user.app_metadata().map(|_| ()), event.stats().and_then(|s| s.logins_count()), event.organization().map(|_| ()))
        });
        assert_eq!(fields.0, Field::<String>::Unreadable { found: Kind::Number });
        assert_eq!(fields.1, Field::Unreadable { found: Kind::String });
        assert_eq!(fields.2, Field::Present(1.0));
        assert_eq!(fields.3, Field::Missing);
        assert_eq!(undeclared, ["organization"], "organization is read and not declared");
    }

    #[test]
    fn lists_cross_only_where_their_elements_are_declared() {
        let (roles, undeclared) = with(r#"{"authorization": {"roles": ["admin", 3]}, "user": {"identities": []}}"#, |event| {
            let roles = event.authorization().and_then(|a| a.roles()).present().unwrap();
            let identities = event.user().and_then(|u| u.identities()).map(|list| list.len());
            let owned = |field: Field<&str>| field.map(str::to_owned);
            (roles.iter().map(owned).collect::<Vec<_>>(), roles.all().map(|all| all.len()).map_err(|error| error.to_string()), identities)
        });
        assert_eq!(roles.0, [Field::Present("admin".to_owned()), Field::Unreadable { found: Kind::Number }]);
        assert_eq!(roles.1, Err("an array whose element 1 is a number".to_owned()));
        assert_eq!(roles.2, Field::Present(0));
        assert_eq!(undeclared, ["user.identities[]"], "a list whose elements are not declared is never silently empty");
    }

    #[test]
    fn reading_below_a_declared_end_is_undeclared() {
        let (_, undeclared) = with(r#"{"user": {"app_metadata": {}}, "authentication": {"methods": [{"name": "mfa"}]}}"#, |event| {
            let metadata = event.user().and_then(|u| u.app_metadata()).present().unwrap();
            let _ = metadata.get("plan");
            let methods = event.authentication().and_then(|a| a.methods()).present().unwrap();
            let names = methods.iter().map(|m| m.and_then(|m| m.name())).filter(Field::is_present).count();
            let _timestamps: Vec<Field<&str>> = methods.iter().map(|m| m.and_then(|m| m.timestamp())).collect();
            names
        });
        assert_eq!(undeclared, ["user.app_metadata.plan", "authentication.methods[].timestamp"]);
        let (_, undeclared) = with(r#"{"user": {"email": "a@b.c", "app_metadata": "not an object"}}"#, |event| {
            let user = event.user().present().unwrap();
            (user.email().present().is_some(), user.app_metadata().and_then(|metadata| metadata.get("plan")).is_present())
        });
        assert_eq!(undeclared, ["user.email"], "a read off the declaration is noted whatever is there");
    }

    #[test]
    fn secrets_are_read_only_when_declared() {
        let (values, undeclared) = with(r#"{"secrets": {"ROLE": "rol_1", "N": 3}}"#, |event| {
            (event.secrets().get("ROLE").map(str::to_owned), event.secrets().get("OTHER").map(str::to_owned))
        });
        assert_eq!(values, (Some("rol_1".to_owned()), None));
        assert_eq!(undeclared, ["secrets.OTHER"]);
    }

    #[test]
    fn paths_print_as_declarations_spell_them() {
        assert_eq!(show(&["authentication", "methods", ELEMENTS, "name"]), "authentication.methods[].name");
        let (path, _) = with(r#"{"authentication": {"methods": [{"name": "pwd"}, {"name": "mfa"}]}}"#, |event| {
            let methods = event.authentication().and_then(|a| a.methods()).present().unwrap();
            methods.iter().last().and_then(|m| m.present()).map(|m| m.0.path())
        });
        assert_eq!(path.as_deref(), Some("authentication.methods[]"));
    }
}
