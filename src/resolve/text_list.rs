//! Strings stored end to end in one buffer, read back by position: one
//! allocation for millions of short ids instead of one each.

/// Strings stored end to end, read back by position.
#[derive(Debug, Default)]
pub(crate) struct TextList {
    text: String,
    /// The end of each string in `text`.
    ends: Vec<usize>,
}

impl TextList {
    /// Reserves room for `items` more strings of `bytes` bytes in all.
    pub(crate) fn reserve(&mut self, items: usize, bytes: usize) {
        self.text.reserve_exact(bytes);
        self.ends.reserve_exact(items);
    }

    pub(crate) fn push(&mut self, item: &str) {
        self.text.push_str(item);
        self.ends.push(self.text.len());
    }

    /// Returns the string at `index`.
    pub(crate) fn get(&self, index: usize) -> &str {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        &self.text[start..self.ends[index]]
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_list_returns_each_string() {
        let items = ["", "K1234567", "", "NÚM123", "A"];
        let mut list = TextList::default();
        list.reserve(items.len(), 16);
        for item in items {
            list.push(item);
        }
        assert_eq!(list.len(), items.len());
        for (index, item) in items.iter().enumerate() {
            assert_eq!(list.get(index), *item, "string {index}");
        }
    }
}
