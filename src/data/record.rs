//! One record builder for every reader: the JSON reader and the tree walker (YAML, TOML,
//! CSV) hand it a record's keys and values one by one, and it alone decides what an
//! unknown key, a repeated key, an absent field with a default and a missing field mean,
//! and which problem each gives. A reader only says where a key is (`P`) and places the
//! problems it is handed: the JSON reader by path, the walker by span.
//!
//! The JSON reader builds 100 000s of records, so the builder allocates nothing but the
//! record's own fields unless something is wrong: its places are `()` there (a vector of
//! them never allocates), and repeats and unknown keys are kept only once they occur. Its
//! methods on the way of every field are `#[inline]`, so that they become part of the
//! reader's loop as the code they replaced was (called across codegen units, they made
//! the load measurably slower).

use crate::ir::{ConstraintEval, EntityId, FieldType, Program, RecordType, Type, Value};

use super::convert;
use super::problem::{self, Problem};

/// A record's key as the reader found it: a declared field (the JSON reader looks it up
/// as it reads the key, with a guess of the next field) or a name the record lacks.
#[derive(Clone, Copy)]
pub(crate) enum Key<'k> {
    Field(usize),
    Unknown(&'k str),
}

/// What a reader does with the value after a key.
pub(crate) enum Take<'r, P> {
    /// Reads it as the field's value, then gives it to [`RecordBuilder::set`] (or, for
    /// an empty CSV cell, calls [`RecordBuilder::empty`]).
    Read(usize, &'r FieldType),
    /// Skips it: an open record (`...`) ignores the fields it does not declare.
    Skip,
    /// Skips it and reports a problem at the key (boxed: the common case stays small).
    Reject(Box<Rejected<P>>),
}

/// A key whose value is not taken, and why.
pub(crate) struct Rejected<P> {
    pub problem: Problem,
    /// Which occurrence of its name in the record the key is (0 for the first): the JSON
    /// reader places a key by its path and this count.
    pub occurrence: u32,
    /// For a key given again: where it was first given, for a second label
    /// ([`problem::FIRST_GIVEN`]).
    pub first: Option<P>,
}

/// A record being read: its fields by slot, and what was given so far.
pub(crate) struct RecordBuilder<'r, P> {
    program: &'r Program,
    record: &'r RecordType,
    kind: Option<EntityId>,
    /// The field whose value the record is, for "not a field of `metadata`".
    holder: Option<&'r FieldType>,
    /// CSV's rule: a list with no value is an empty list, as the header check assumes.
    empty_lists: bool,
    values: Vec<Value>,
    given: FieldSet,
    /// Where each given field's key is (only meaningful for a given field).
    places: Vec<P>,
    /// Fields given more than once, with how many times after the first.
    repeats: Vec<(usize, u32)>,
    /// Unknown names, where each was first given, and how often.
    unknown: Vec<(Box<str>, P, u32)>,
}

impl<'r, P: Copy + Default> RecordBuilder<'r, P> {
    /// A builder for a record of `record`: an entity of `kind`, or the value of the field
    /// `holder`. `empty_lists` is CSV's rule for lists with no value.
    #[inline]
    pub fn new(
        program: &'r Program,
        record: &'r RecordType,
        kind: Option<EntityId>,
        holder: Option<&'r FieldType>,
        empty_lists: bool,
    ) -> RecordBuilder<'r, P> {
        let count = record.fields.len();
        RecordBuilder {
            program,
            record,
            kind,
            holder,
            empty_lists,
            values: vec![Value::Null; count],
            given: FieldSet::new(count),
            places: vec![P::default(); count],
            repeats: Vec::new(),
            unknown: Vec::new(),
        }
    }

    /// The key for the name `name`.
    #[inline]
    pub fn lookup<'k>(&self, name: &'k str) -> Key<'k> {
        match self.record.field(name) {
            Some((index, _)) => Key::Field(index),
            None => Key::Unknown(name),
        }
    }

    /// The name of `key`, as written.
    pub fn name<'k>(&self, key: Key<'k>) -> &'k str
    where
        'r: 'k,
    {
        match key {
            Key::Field(index) => self.record.fields.get(index).map_or("", |f| &*f.name),
            Key::Unknown(name) => name,
        }
    }

    /// Decides what the value after `key`, found at `at`, is for.
    #[inline]
    pub fn key(&mut self, key: Key<'_>, at: P) -> Take<'r, P> {
        let record = self.record;
        match key {
            Key::Field(index) => match record.fields.get(index) {
                Some(field) if self.given.contains(index) => self.repeated(index, &field.name),
                Some(field) => {
                    self.given.insert(index);
                    if let Some(place) = self.places.get_mut(index) {
                        *place = at;
                    }
                    Take::Read(index, field)
                }
                // INVARIANT: a reader's field index comes from this record's fields.
                None => Take::Skip,
            },
            Key::Unknown(_) if record.open => Take::Skip,
            Key::Unknown(name) => self.unknown(name, at),
        }
    }

    /// A field given again: a duplicate key, placed at this occurrence and the first.
    fn repeated(&mut self, index: usize, name: &str) -> Take<'r, P> {
        let occurrence = match self.repeats.iter_mut().find(|(i, _)| *i == index) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                self.repeats.push((index, 1));
                1
            }
        };
        Take::Reject(Box::new(Rejected {
            problem: problem::duplicate_in_document(name),
            occurrence,
            first: self.places.get(index).copied(),
        }))
    }

    /// A name the record does not declare: unknown the first time, a duplicate key after.
    fn unknown(&mut self, name: &str, at: P) -> Take<'r, P> {
        if let Some((_, first, count)) = self.unknown.iter_mut().find(|(n, _, _)| **n == *name) {
            *count += 1;
            return Take::Reject(Box::new(Rejected {
                problem: problem::duplicate_in_document(name),
                occurrence: *count,
                first: Some(*first),
            }));
        }
        self.unknown.push((Box::from(name), at, 0));
        let problem = problem::unknown_field(self.program, name, self.record, self.kind, self.holder);
        Take::Reject(Box::new(Rejected {
            problem,
            occurrence: 0,
            first: None,
        }))
    }

    /// Sets a field's value as read; a problem with it (its `where` fails) is placed at
    /// the value.
    #[inline]
    pub fn set(&mut self, index: usize, value: Value, constraints: &dyn ConstraintEval) -> Result<(), Problem> {
        let checked = match self.record.fields.get(index) {
            Some(field) => convert::check_constraint(constraints, field, &value),
            None => Ok(()),
        };
        if let Some(slot) = self.values.get_mut(index) {
            *slot = value;
        }
        checked
    }

    /// A field given with no value (an unquoted empty CSV cell, or the placeholder of a
    /// column the header lacks): its default, `null` when optional, an empty list, else
    /// missing, reported at the cell.
    #[inline]
    pub fn empty(&mut self, index: usize, column: &str) -> Result<(), Problem> {
        let Some(field) = self.record.fields.get(index) else {
            return Ok(());
        };
        match absent_value(field, self.empty_lists) {
            Some(value) => {
                if let Some(slot) = self.values.get_mut(index) {
                    *slot = value;
                }
                Ok(())
            }
            None => Err(problem::missing_cell(field, column)),
        }
    }

    /// Where the key of field `index` was given, if it was.
    #[inline]
    pub fn place(&self, index: usize) -> Option<P> {
        if self.given.contains(index) {
            self.places.get(index).copied()
        } else {
            None
        }
    }

    /// The record's fields: every field not given takes its default, `null` when
    /// optional (and an empty list by CSV's rule), and is otherwise missing, reported
    /// through `missing` at the record.
    #[inline]
    pub fn finish(mut self, mut missing: impl FnMut(Problem)) -> Box<[Value]> {
        let entity = self.kind.and_then(|k| self.program.entities.get(k.index()));
        let name = entity.map(|e| &*e.name);
        for (index, field) in self.record.fields.iter().enumerate() {
            if self.given.contains(index) {
                continue;
            }
            match absent_value(field, self.empty_lists) {
                Some(value) => {
                    if let Some(slot) = self.values.get_mut(index) {
                        *slot = value;
                    }
                }
                None => missing(problem::missing_field(self.program, field, name)),
            }
        }
        self.values.into_boxed_slice()
    }
}

/// The value an absent field takes: its default, else `null` when optional, else an
/// empty list for lists when `lists_default_empty` (CSV), else `None` (missing). CSV's
/// header check asks it too, so a column it does not miss is not missed by the rows.
pub(crate) fn absent_value(field: &FieldType, lists_default_empty: bool) -> Option<Value> {
    if let Some(default) = &field.default {
        return Some(default.clone());
    }
    if field.ty.is_optional() {
        return Some(Value::Null);
    }
    if lists_default_empty && matches!(field.ty, Type::List(_)) {
        return Some(Value::list(Vec::new()));
    }
    None
}

/// Which fields of a record were given, as a bit set.
struct FieldSet {
    small: u64,
    large: Vec<bool>,
}

impl FieldSet {
    #[inline]
    fn new(len: usize) -> FieldSet {
        FieldSet {
            small: 0,
            large: if len > 64 { vec![false; len] } else { Vec::new() },
        }
    }

    #[inline]
    fn contains(&self, index: usize) -> bool {
        if self.large.is_empty() {
            index < 64 && self.small & (1 << index) != 0
        } else {
            self.large.get(index).copied().unwrap_or(false)
        }
    }

    #[inline]
    fn insert(&mut self, index: usize) {
        if self.large.is_empty() {
            if index < 64 {
                self.small |= 1 << index;
            }
        } else if let Some(slot) = self.large.get_mut(index) {
            *slot = true;
        }
    }
}
