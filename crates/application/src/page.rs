//! One page of a list (DESIGN §11): lists take `limit` (default 100, at most 500) and
//! `offset`, and say whether another page follows. Every list's order ends on a unique
//! column, so pages neither repeat nor skip a row while the list does not change.
//!
//! The stores fetch one row more than the page to learn whether another follows, so
//! every caller cuts what it read with [`Page::cut`], a capped whole read (the kitchen
//! board) included. How deep an `offset` may reach is bounded by the statement timeout,
//! not by a number.

use crate::AppError;

/// Which rows of a list: `limit` of them after skipping `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: i64,
    pub limit: i64,
}

/// A page of rows, and the page after it when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub next: Option<Page>,
}

impl Page {
    pub const DEFAULT_LIMIT: i64 = 100;
    pub const MAX_LIMIT: i64 = 500;
    /// Every row: for reads inside the application that need the whole list (the menu,
    /// a check's tax classes, the last-admin rule), never for a client's request.
    pub const ALL: Page = Page {
        offset: 0,
        limit: i64::MAX / 2,
    };

    /// The page a client asked for; `None` takes the defaults.
    pub fn new(limit: Option<i64>, offset: Option<i64>) -> Result<Page, AppError> {
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(AppError::Validation(format!(
                "limit must be between 1 and {}, not {limit}",
                Self::MAX_LIMIT
            )));
        }
        let offset = offset.unwrap_or(0);
        if offset < 0 {
            return Err(AppError::Validation(format!(
                "offset must be 0 or more, not {offset}"
            )));
        }
        Ok(Page { offset, limit })
    }

    /// The first `limit` rows.
    pub fn first(limit: i64) -> Page {
        Page { offset: 0, limit }
    }

    /// How many rows a store reads: one beyond the page, to tell whether another follows.
    pub fn fetch(&self) -> i64 {
        self.limit.saturating_add(1)
    }

    /// Cuts what a store read with [`Page::fetch`] down to this page.
    pub fn cut<T>(&self, mut rows: Vec<T>) -> Paged<T> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let next = (rows.len() > limit).then(|| {
            rows.truncate(limit);
            Page {
                offset: self.offset.saturating_add(self.limit),
                limit: self.limit,
            }
        });
        Paged { items: rows, next }
    }
}

impl<T> Paged<T> {
    /// The same page with each row converted (to its DTO, say).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_page_defaults_to_100_and_refuses_more_than_500_or_a_negative_offset() {
        assert_eq!(
            Page::new(None, None).expect("defaults"),
            Page {
                offset: 0,
                limit: 100
            }
        );
        assert!(Page::new(Some(500), Some(1000)).is_ok());
        assert!(matches!(
            Page::new(Some(501), None),
            Err(AppError::Validation(_))
        ));
        assert!(matches!(
            Page::new(Some(0), None),
            Err(AppError::Validation(_))
        ));
        assert!(matches!(
            Page::new(None, Some(-1)),
            Err(AppError::Validation(_))
        ));
    }

    #[test]
    fn the_extra_row_a_store_read_means_another_page_follows() {
        let page = Page::new(Some(2), Some(4)).expect("page");
        assert_eq!(page.fetch(), 3);
        let more = page.cut(vec![1, 2, 3]);
        assert_eq!(more.items, vec![1, 2]);
        assert_eq!(
            more.next,
            Some(Page {
                offset: 6,
                limit: 2
            })
        );
        let last = page.cut(vec![1, 2]);
        assert_eq!(last.items, vec![1, 2]);
        assert_eq!(last.next, None);
        assert_eq!(Page::ALL.cut(vec![1]).next, None);
    }
}
