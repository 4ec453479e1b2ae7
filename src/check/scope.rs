//! Local scopes: parameters, `let`s, loop and quantifier variables, gate inputs. Each
//! evaluable item (a policy, a function, a constant) gets one frame of numbered slots.

use std::sync::Arc;

use crate::ir::LocalId;
use crate::ir::Type;
use crate::source::Span;

#[derive(Debug, Clone)]
pub struct Local {
    pub name: Arc<str>,
    pub id: LocalId,
    pub ty: Type,
}

/// The locals visible at a point of one item, innermost last.
#[derive(Debug, Default)]
pub struct Frame {
    scopes: Vec<Vec<Local>>,
    next: u32,
}

impl Frame {
    pub fn new() -> Frame {
        Frame {
            scopes: vec![Vec::new()],
            next: 0,
        }
    }

    /// Declares a local in the innermost scope and returns its slot.
    /// `_span` is where it is declared, kept in the signature for future lints.
    pub fn declare(&mut self, name: Arc<str>, ty: Type, _span: Span) -> LocalId {
        let id = LocalId(self.next);
        self.next += 1;
        if self.scopes.is_empty() {
            self.scopes.push(Vec::new());
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(Local { name, id, ty });
        }
        id
    }

    /// A slot no name refers to (a workflow step's output, read through the step).
    pub fn reserve(&mut self) -> LocalId {
        let id = LocalId(self.next);
        self.next += 1;
        id
    }

    pub fn lookup(&self, name: &str) -> Option<&Local> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|l| &*l.name == name)
    }

    /// Runs `f` in a nested scope whose locals disappear afterwards.
    pub fn nested<T>(&mut self, f: impl FnOnce(&mut Frame) -> T) -> T {
        self.scopes.push(Vec::new());
        let result = f(self);
        self.scopes.pop();
        result
    }

    /// Slots used so far: the size of the frame the evaluator allocates.
    pub fn size(&self) -> u32 {
        self.next
    }

    pub fn visible_names(&self) -> impl Iterator<Item = &str> {
        self.scopes.iter().flat_map(|s| s.iter()).map(|l| &*l.name)
    }
}
