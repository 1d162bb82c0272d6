//! Marker pagination as Route 53 does it: a page of at most `max_items`, and the marker of the
//! first item of the next page when there is one.

use crate::{Error, Result};

/// One page of a sorted list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The first item of the next page, when the list goes on.
    pub next: Option<T>,
    /// The page size used.
    pub max_items: usize,
}

impl<T> Page<T> {
    /// Whether more items follow.
    pub fn is_truncated(&self) -> bool {
        self.next.is_some()
    }
}

/// Parses a `maxitems` parameter (a string on the wire): 1 to `limit`, `default` if absent.
pub fn max_items(raw: Option<&str>, default: usize, limit: usize) -> Result<usize> {
    match raw {
        None => Ok(default),
        Some(s) => match s.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n.min(limit)),
            _ => {
                Err(Error::invalid("maxitems", format!("{s:?} is not a number from 1 to {limit}")))
            }
        },
    }
}

/// The page of `items` (already sorted) that starts at the first item for which `starts` is
/// true (or at the beginning without a marker).
pub fn page<T: Clone>(
    items: Vec<T>,
    starts: Option<&dyn Fn(&T) -> bool>,
    max_items: usize,
) -> Page<T> {
    let begin = match starts {
        Some(f) => items.iter().position(f).unwrap_or(items.len()),
        None => 0,
    };
    let mut rest: Vec<T> = items.into_iter().skip(begin).collect();
    let next = if rest.len() > max_items { Some(rest[max_items].clone()) } else { None };
    rest.truncate(max_items);
    Page { items: rest, next, max_items }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_markers() {
        let items: Vec<u32> = (1..=5).collect();
        let p = page(items.clone(), None, 2);
        assert_eq!((p.items.clone(), p.next), (vec![1, 2], Some(3)));
        let p = page(items.clone(), Some(&|x: &u32| *x >= 3), 2);
        assert_eq!((p.items.clone(), p.next), (vec![3, 4], Some(5)));
        let p = page(items.clone(), Some(&|x: &u32| *x >= 5), 2);
        assert_eq!((p.items.clone(), p.next), (vec![5], None));
        let p = page(items, Some(&|x: &u32| *x > 9), 2);
        assert!(p.items.is_empty() && !p.is_truncated());
        assert_eq!(max_items(Some("7"), 100, 100), Ok(7));
        assert_eq!(max_items(Some("700"), 100, 300), Ok(300));
        assert!(max_items(Some("0"), 100, 100).is_err());
        assert!(max_items(Some("x"), 100, 100).is_err());
        assert_eq!(max_items(None, 100, 100), Ok(100));
    }
}
