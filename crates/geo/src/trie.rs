//! The lookup structure a MaxMind DB search tree is turned into when a database is added.
//!
//! A MaxMind DB search tree is a binary trie: one node per address bit, each node two
//! records of 24, 28 or 32 bits. A lookup follows up to 32 (IPv4) or 128 (IPv6) nodes spread
//! over the whole tree, and in a large database nearly each of them misses the CPU cache.
//!
//! [`Trie`] is a *poptrie* (Asai and Ohara, "Poptrie: A Compressed Trie with Population
//! Count for Fast and Scalable Software IP Routing Table Lookup", SIGCOMM 2015) built from
//! that tree:
//!
//! - a **direct table** indexed by the first `direct_bits` (16 or 20) address bits, whose
//!   entries are either a leaf (a network of that length or shorter) or an inner node;
//! - **inner nodes** that each consume the next 6 bits: two 64-bit maps say which of the 64
//!   slots lead to another node and where a run of identical leaves starts. Children and leaf
//!   runs are stored contiguously, so a slot's child or leaf is found by counting the set bits
//!   below it (`count_ones`), with no pointer per slot;
//! - **leaves**: a `u32` chosen by the caller (here: an index into the database's decoded
//!   locations and the prefix length of the network the tree lookup ends in).
//!
//! An IPv4 lookup reads the direct table and at most 2 (20 direct bits) or 3 (16) nodes, an
//! IPv6 one at most 19, against up to 32 or 128 tree nodes, and the nodes sit in breadth-first
//! order so the upper levels share cache lines.
//!
//! Every leaf keeps the prefix length of the tree network it comes from, so ECS scopes are
//! exactly those of the tree: only identical neighbouring leaves (same record, same prefix
//! length) are merged, which changes no lookup result.
//!
//! Building never trusts the file: record reads are bounds-checked, and the number of tree
//! nodes visited is bounded (a [`Budget`]), so a corrupt tree whose records point back to
//! earlier nodes ends in an error instead of an exponential walk; every walk is also bounded by
//! the address width.

/// Bits consumed by each inner node: 64 slots, one `u64` bitmap.
const STRIDE: u8 = 6;

/// Direct-table entry bit: the rest is an index into `nodes`, not a leaf.
const INNER: u32 = 1 << 31;

/// A corrupt or unsupported search tree, with a static description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BuildError(pub(crate) &'static str);

/// A MaxMind DB search tree, read from the bytes of the file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SearchTree<'a> {
    bytes: &'a [u8],
    node_count: u32,
    record_size: u16,
}

impl<'a> SearchTree<'a> {
    /// The tree at the start of `bytes` (the tree's own size is `node_count * record_size / 4`
    /// bytes; reads past `bytes` are errors).
    pub(crate) fn new(
        bytes: &'a [u8],
        node_count: u32,
        record_size: u16,
    ) -> Result<SearchTree<'a>, BuildError> {
        if !matches!(record_size, 24 | 28 | 32) {
            return Err(BuildError("the search tree's record size is not 24, 28 or 32 bits"));
        }
        Ok(SearchTree { bytes, node_count, record_size })
    }

    /// Records at or above this value are terminal: equal means "no data", above means a
    /// pointer into the data section.
    pub(crate) fn node_count(&self) -> u32 {
        self.node_count
    }

    /// The two records (left: bit 0, right: bit 1) of node `node` (`node < node_count`).
    #[inline]
    pub(crate) fn children(&self, node: u32) -> Result<[u32; 2], BuildError> {
        let size = usize::from(self.record_size / 4);
        let at = (node as usize).checked_mul(size);
        let b = at
            .and_then(|at| self.bytes.get(at..at.checked_add(size)?))
            .ok_or(BuildError("a search tree node lies past the end of the tree"))?;
        let be = |b: &[u8]| b.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
        Ok(match b {
            [a0, a1, a2, b0, b1, b2] => [be(&[*a0, *a1, *a2]), be(&[*b0, *b1, *b2])],
            [a0, a1, a2, mid, b0, b1, b2] => [
                (u32::from(mid & 0xf0) << 20) | be(&[*a0, *a1, *a2]),
                (u32::from(mid & 0x0f) << 24) | be(&[*b0, *b1, *b2]),
            ],
            [a0, a1, a2, a3, b0, b1, b2, b3] => {
                [be(&[*a0, *a1, *a2, *a3]), be(&[*b0, *b1, *b2, *b3])]
            }
            _ => return Err(BuildError("the search tree's record size is not 24, 28 or 32 bits")),
        })
    }
}

/// How many tree nodes building may still visit. A sound tree is visited about once per path
/// into each node (aliases such as GeoIP2's IPv4-mapped and 6to4 networks add a few), so a
/// budget of a few times the node count is ample; running out means the records form cycles.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    left: u64,
}

impl Budget {
    /// A budget of `visits` node visits.
    pub(crate) fn new(visits: u64) -> Budget {
        Budget { left: visits }
    }

    #[inline]
    fn spend(&mut self) -> Result<(), BuildError> {
        self.left = self.left.checked_sub(1).ok_or(BuildError(
            "the search tree's records form cycles (building its lookup table visited too many \
             nodes)",
        ))?;
        Ok(())
    }
}

/// One slot of a node or of the direct table while building.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// A leaf value.
    Leaf(u32),
    /// A tree node whose subtree continues below this slot.
    Inner(u32),
}

#[derive(Clone, Copy, Debug, Default)]
struct Node {
    /// Bit `i` set: slot `i` leads to an inner node (`nodes[first_child + rank]`).
    inner: u64,
    /// Bit `i` set: slot `i` holds a leaf that differs from the leaf slot before it; a leaf
    /// slot's value is that of the last run start at or below it.
    runs: u64,
    first_child: u32,
    first_leaf: u32,
}

/// A read-only poptrie over addresses of one family; see the module documentation.
#[derive(Clone, Debug)]
pub(crate) struct Trie {
    /// Address bits the direct table consumes (1 to 20).
    direct_bits: u8,
    direct: Box<[u32]>,
    nodes: Box<[Node]>,
    leaves: Box<[u32]>,
}

/// What the tree holds at a terminal position, for the caller to turn into a leaf value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Terminal {
    /// A record at or above `node_count` (no data, or a data pointer to be checked).
    Record(u32),
    /// The address bits ran out on an inner node: no data.
    Exhausted,
    /// The `alias` node given to [`Trie::build`]: the subtree continues as in another trie.
    Alias,
}

impl Trie {
    /// Builds the trie of the subtree at `start` (a record: a node number or a terminal),
    /// which covers the whole `width`-bit address space (32 or 128).
    ///
    /// `leaf` gives the leaf value for a terminal found at prefix length `prefix`; values
    /// in the direct table must leave bit 31 clear (their prefixes are at most 20). Where the
    /// walk meets the node `alias` at a prefix length of at most `width - 32`, it stops with
    /// [`Terminal::Alias`] (the caller looks the next 32 bits up in the trie of that node).
    pub(crate) fn build(
        tree: &SearchTree<'_>,
        start: u32,
        width: u8,
        alias: Option<u32>,
        budget: &mut Budget,
        leaf: &mut dyn FnMut(Terminal, u8) -> Result<u32, BuildError>,
    ) -> Result<Trie, BuildError> {
        // A bigger direct table for big trees saves a level per lookup at 4 MB; a database
        // whose whole space is one leaf gets a table of two entries.
        let direct_bits: u8 = if start >= tree.node_count() {
            1
        } else if tree.node_count() >= 1 << 20 {
            20
        } else {
            16
        };
        let mut expander = Expander { tree, width, alias, budget, leaf, stack: Vec::new() };
        let mut slots = vec![Slot::Leaf(0); 1 << direct_bits];
        expander.expand(start, 0, direct_bits, &mut slots)?;

        // Sized from the tree so that the big arrays are allocated once: a sound tree gives
        // about one leaf run per tree node and one trie node per 8 tree nodes (per 4 with 16
        // direct bits); more only with shared subtrees.
        let (mut nodes, mut leaves) = match start < tree.node_count() {
            true => {
                let node_count = tree.node_count() as usize;
                (Vec::with_capacity(node_count / 3 + 64), Vec::with_capacity(node_count + 64))
            }
            false => (Vec::new(), Vec::new()),
        };
        // `nodes` doubles as the breadth-first queue: a node not yet built holds the tree
        // record it stands for in `first_child` and its depth in `inner`.
        let pending = |record: u32, depth: u8| Node {
            inner: u64::from(depth),
            runs: 0,
            first_child: record,
            first_leaf: 0,
        };
        let mut direct = Vec::with_capacity(slots.len());
        for slot in slots {
            direct.push(match slot {
                Slot::Leaf(value) if value & INNER == 0 => value,
                Slot::Leaf(_) => return Err(BuildError("a leaf value uses the inner-node bit")),
                Slot::Inner(record) => {
                    nodes.push(pending(record, direct_bits));
                    INNER | index(nodes.len() - 1, INNER)?
                }
            });
        }

        let mut slots = [Slot::Leaf(0); 1 << STRIDE];
        let mut at = 0;
        while let Some(&Node { first_child: record, inner: depth, .. }) = nodes.get(at) {
            let depth = depth as u8;
            expander.expand(record, depth, STRIDE, &mut slots)?;
            let mut node = Node {
                inner: 0,
                runs: 0,
                first_child: index(nodes.len(), INNER)?,
                first_leaf: index(leaves.len(), u32::MAX)?,
            };
            let mut previous = None;
            for (i, slot) in slots.iter().enumerate() {
                match *slot {
                    Slot::Inner(child) => {
                        node.inner |= 1 << i;
                        nodes.push(pending(child, depth + STRIDE));
                        previous = None;
                    }
                    Slot::Leaf(value) => {
                        if previous != Some(value) {
                            node.runs |= 1 << i;
                            leaves.push(value);
                            previous = Some(value);
                        }
                    }
                }
            }
            nodes[at] = node;
            at += 1;
        }
        index(nodes.len(), INNER)?;
        index(leaves.len(), u32::MAX)?;
        Ok(Trie {
            direct_bits,
            direct: direct.into_boxed_slice(),
            nodes: nodes.into_boxed_slice(),
            leaves: leaves.into_boxed_slice(),
        })
    }

    /// The leaf for an address, given left-aligned in a `u128` (an IPv4 address in the top
    /// 32 bits).
    #[inline]
    pub(crate) fn lookup(&self, key: u128) -> u32 {
        let top = (key >> (128 - u32::from(self.direct_bits))) as usize;
        let entry = self.direct[top];
        if entry & INNER == 0 {
            return entry;
        }
        let mut node = &self.nodes[(entry & !INNER) as usize];
        let mut offset = u32::from(self.direct_bits);
        loop {
            // Building puts inner nodes only above the address width, so `offset` < 128.
            let slot = (key.wrapping_shl(offset) >> (128 - u32::from(STRIDE))) as u32;
            let at_or_below = u64::MAX >> (63 - slot);
            if node.inner & (1 << slot) != 0 {
                let rank = (node.inner & at_or_below).count_ones();
                node = &self.nodes[(node.first_child + rank - 1) as usize];
                offset += u32::from(STRIDE);
            } else {
                let rank = (node.runs & at_or_below).count_ones();
                return self.leaves[(node.first_leaf + rank - 1) as usize];
            }
        }
    }

    /// Heap bytes held.
    pub(crate) fn heap_size(&self) -> usize {
        size_of_val(&*self.direct) + size_of_val(&*self.nodes) + size_of_val(&*self.leaves)
    }
}

/// `len` as a `u32` index below `limit`.
fn index(len: usize, limit: u32) -> Result<u32, BuildError> {
    u32::try_from(len)
        .ok()
        .filter(|i| *i < limit)
        .ok_or(BuildError("the database is too large for the lookup table"))
}

/// Expands the tree below one slot position into the slots of a node or the direct table.
struct Expander<'t, 'a, 'b> {
    tree: &'t SearchTree<'a>,
    width: u8,
    alias: Option<u32>,
    budget: &'b mut Budget,
    leaf: &'b mut dyn FnMut(Terminal, u8) -> Result<u32, BuildError>,
    /// (record, depth below the start, first slot).
    stack: Vec<(u32, u8, usize)>,
}

impl Expander<'_, '_, '_> {
    /// Fills `slots` (`1 << bits` of them) with what the `bits` address bits after `depth`
    /// lead to from `record`: leaves (repeated over the slots a shorter network covers) and
    /// the tree nodes reached after all `bits` bits. Iterative; each step reads one node.
    fn expand(
        &mut self,
        record: u32,
        depth: u8,
        bits: u8,
        slots: &mut [Slot],
    ) -> Result<(), BuildError> {
        let node_count = self.tree.node_count();
        self.stack.clear();
        self.stack.push((record, 0, 0));
        while let Some((record, below, first)) = self.stack.pop() {
            let span = 1usize << (bits - below);
            let prefix = depth + below;
            let slot = if record >= node_count {
                Slot::Leaf((self.leaf)(Terminal::Record(record), prefix)?)
            } else if Some(record) == self.alias && prefix <= self.width.saturating_sub(32) {
                Slot::Leaf((self.leaf)(Terminal::Alias, prefix)?)
            } else if prefix >= self.width {
                Slot::Leaf((self.leaf)(Terminal::Exhausted, self.width)?)
            } else if below == bits {
                Slot::Inner(record)
            } else {
                self.budget.spend()?;
                let [left, right] = self.tree.children(record)?;
                self.stack.push((right, below + 1, first + span / 2));
                self.stack.push((left, below + 1, first));
                continue;
            };
            slots[first..first + span].fill(slot);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (SplitMix64).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Serialises nodes (pairs of records) with the given record size.
    fn encode(nodes: &[[u32; 2]], record_size: u16) -> Vec<u8> {
        let mut bytes = Vec::new();
        for &[l, r] in nodes {
            match record_size {
                24 => {
                    bytes.extend(&l.to_be_bytes()[1..]);
                    bytes.extend(&r.to_be_bytes()[1..]);
                }
                28 => {
                    bytes.extend(&l.to_be_bytes()[1..]);
                    bytes.push((((l >> 24) as u8) << 4) | (r >> 24) as u8);
                    bytes.extend(&r.to_be_bytes()[1..]);
                }
                _ => {
                    bytes.extend(l.to_be_bytes());
                    bytes.extend(r.to_be_bytes());
                }
            }
        }
        bytes
    }

    /// The tree walk a MaxMind DB reader does: (terminal, prefix length).
    fn walk(nodes: &[[u32; 2]], start: u32, key: u128, width: u8) -> (Terminal, u8) {
        let node_count = nodes.len() as u32;
        let mut record = start;
        for depth in 0..width {
            if record >= node_count {
                return (Terminal::Record(record), depth);
            }
            let bit = (key >> (127 - u32::from(depth))) & 1;
            record = nodes[record as usize][bit as usize];
        }
        if record >= node_count {
            (Terminal::Record(record), width)
        } else {
            (Terminal::Exhausted, width)
        }
    }

    /// A key that mostly follows inner nodes, so that lookups reach deep into the tree.
    fn guided_key(nodes: &[[u32; 2]], width: u8, rng: &mut Rng) -> u128 {
        let node_count = nodes.len() as u32;
        let mut key = 0u128;
        let mut record = 0;
        for depth in 0..width {
            let random = rng.below(2) as usize;
            let bit = match nodes.get(record as usize) {
                Some([l, r]) if rng.below(10) != 0 => match (*l < node_count, *r < node_count) {
                    (true, false) => 0,
                    (false, true) => 1,
                    _ => random,
                },
                _ => random,
            };
            key |= (bit as u128) << (127 - u32::from(depth));
            if let Some(children) = nodes.get(record as usize) {
                record = children[bit];
            }
        }
        key
    }

    fn leaf_value(t: Terminal, prefix: u8) -> u32 {
        let entry = match t {
            Terminal::Record(r) => r,
            Terminal::Exhausted => 0xff_ffff,
            Terminal::Alias => ALIAS,
        };
        (u32::from(prefix) << 24) | entry
    }

    /// A random tree of `node_count` nodes with `terminals` distinct terminal records (the
    /// first means "no data"). Open slots are filled depth-first or at random, which gives
    /// both long paths (past the address width) and bushy parts; a few records alias a later
    /// node, as MaxMind trees alias the IPv4 subtree (still no cycle: children always have
    /// higher numbers).
    fn random_tree(rng: &mut Rng, node_count: u32, terminals: u32) -> Vec<[u32; 2]> {
        let mut nodes = vec![[u32::MAX; 2]; node_count as usize];
        let mut open = vec![(0usize, 0usize), (0, 1)];
        let mut next = 1u32;
        while let Some(at) = (!open.is_empty()).then(|| {
            let i = if rng.below(10) != 0 {
                open.len() - 1
            } else {
                rng.below(open.len() as u64) as usize
            };
            open.swap_remove(i)
        }) {
            let (node, side) = at;
            let record = if next < node_count && rng.below(10) < 7 {
                next += 1;
                open.push((next as usize - 1, 0));
                open.push((next as usize - 1, 1));
                next - 1
            } else if next > node as u32 + 1 && rng.below(20) == 0 {
                node as u32 + 1 + rng.below(u64::from(next - node as u32 - 1)) as u32
            } else {
                node_count + rng.below(u64::from(terminals)) as u32
            };
            nodes[node][side] = record;
        }
        // Nodes never reached (the tree closed early) are left as terminals.
        for n in &mut nodes {
            for r in n {
                if *r == u32::MAX {
                    *r = node_count;
                }
            }
        }
        nodes
    }

    /// Compares lookups with tree walks; returns how many walks ended past 20 bits and how many
    /// ran out of address bits.
    fn check(nodes: &[[u32; 2]], record_size: u16, width: u8, rng: &mut Rng) -> [usize; 2] {
        let mut seen = [0; 2];
        let bytes = encode(nodes, record_size);
        let tree = SearchTree::new(&bytes, nodes.len() as u32, record_size).unwrap();
        let mut budget = Budget::new(1 << 24);
        let mut leaf = |t: Terminal, p: u8| Ok(leaf_value(t, p));
        let trie = Trie::build(&tree, 0, width, None, &mut budget, &mut leaf).unwrap();
        for _ in 0..20_000 {
            let key = if rng.below(4) == 0 {
                let key = u128::from(rng.next()) << 64 | u128::from(rng.next());
                if width == 32 { key & u128::MAX << 96 } else { key }
            } else {
                guided_key(nodes, width, rng)
            };
            let (t, prefix) = walk(nodes, 0, key, width);
            assert_eq!(trie.lookup(key), leaf_value(t, prefix), "{key:032x}");
            seen[0] += usize::from(prefix > 20);
            seen[1] += usize::from(t == Terminal::Exhausted);
        }
        seen
    }

    #[test]
    fn agrees_with_a_tree_walk_on_random_trees() {
        let mut rng = Rng(7);
        let mut seen = [0; 2];
        for round in 0..60 {
            let node_count = 1 + rng.below(3000) as u32;
            let terminals = 1 + rng.below(50) as u32;
            let nodes = random_tree(&mut rng, node_count, terminals);
            let record_size = [24, 28, 32][round % 3];
            let s = check(&nodes, record_size, if round % 2 == 0 { 32 } else { 128 }, &mut rng);
            seen = [seen[0] + s[0], seen[1] + s[1]];
        }
        assert!(seen[0] > 20_000 && seen[1] > 1_000, "{seen:?}");
        // A tree big enough for the 20-bit direct table.
        let nodes = random_tree(&mut rng, (1 << 20) + 5, 1000);
        check(&nodes, 28, 32, &mut rng);
        check(&nodes, 32, 128, &mut rng);
    }

    const ALIAS: u32 = 0xff_fffe;

    #[test]
    fn aliases_continue_in_the_other_trie() {
        let mut rng = Rng(11);
        let mut aliased = 0;
        for _ in 0..40 {
            let node_count = 50 + rng.below(2000) as u32;
            let nodes = random_tree(&mut rng, node_count, 20);
            let bytes = encode(&nodes, 28);
            let tree = SearchTree::new(&bytes, node_count, 28).unwrap();
            // An alias whose subtree ends within 32 bits everywhere, as `Index` requires.
            let mut exhausted = false;
            let mut leaf = |t: Terminal, p: u8| {
                exhausted |= t == Terminal::Exhausted;
                Ok(leaf_value(t, p))
            };
            let alias = 1 + rng.below(u64::from(node_count.min(20) - 1)) as u32;
            let v4 =
                Trie::build(&tree, alias, 32, None, &mut Budget::new(1 << 24), &mut leaf).unwrap();
            if exhausted {
                continue;
            }
            let mut leaf = |t: Terminal, p: u8| Ok(leaf_value(t, p));
            let v6 = Trie::build(&tree, 0, 128, Some(alias), &mut Budget::new(1 << 24), &mut leaf)
                .unwrap();
            for _ in 0..5_000 {
                let key = guided_key(&nodes, 128, &mut rng);
                let mut found = v6.lookup(key);
                if found & 0xff_ffff == ALIAS {
                    let depth = found >> 24;
                    assert!(depth <= 96);
                    found = v4.lookup(key << depth) + (depth << 24);
                    aliased += 1;
                }
                let (t, prefix) = walk(&nodes, 0, key, 128);
                assert_eq!(found, leaf_value(t, prefix), "{key:032x}");
            }
        }
        assert!(aliased > 1_000, "{aliased}");
    }

    #[test]
    fn records_of_every_size_decode() {
        let nodes = [[1, 0x00ab_cdef], [0x0fed_cba9 & 0x00ff_ffff, 0x0123_4567 & 0x00ff_ffff]];
        for size in [24, 28, 32] {
            let bytes = encode(&nodes, size);
            let tree = SearchTree::new(&bytes, 2, size).unwrap();
            assert_eq!(tree.children(0), Ok(nodes[0]));
            assert_eq!(tree.children(1), Ok(nodes[1]));
            assert!(tree.children(2).is_err());
        }
        let wide = [[0x0abc_def0, 0x0fff_ffff]];
        let bytes = encode(&wide, 28);
        assert_eq!(SearchTree::new(&bytes, 1, 28).unwrap().children(0), Ok(wide[0]));
        assert!(SearchTree::new(&bytes, 1, 20).is_err());
    }

    #[test]
    fn a_leaf_at_the_root_covers_everything() {
        let bytes = encode(&[[0, 0]], 24);
        let tree = SearchTree::new(&bytes, 1, 24).unwrap();
        let mut leaf = |t: Terminal, p: u8| Ok(leaf_value(t, p));
        let trie = Trie::build(&tree, 5, 32, None, &mut Budget::new(0), &mut leaf).unwrap();
        assert_eq!(trie.lookup(0), leaf_value(Terminal::Record(5), 0));
        assert_eq!(trie.lookup(u128::MAX), leaf_value(Terminal::Record(5), 0));
        assert!(trie.heap_size() < 64);
    }

    #[test]
    fn cycles_end_in_an_error() {
        // Every record points back to the root: 2^width paths.
        let nodes = [[0, 0], [0, 1]];
        let bytes = encode(&nodes, 24);
        let tree = SearchTree::new(&bytes, 2, 24).unwrap();
        let mut leaf = |t: Terminal, p: u8| Ok(leaf_value(t, p));
        let e = Trie::build(&tree, 0, 128, None, &mut Budget::new(100_000), &mut leaf).unwrap_err();
        assert!(e.0.contains("cycles"), "{e:?}");
        // With IPv4's 32 bits the walk ends, but it still needs 2^32 visits.
        assert!(Trie::build(&tree, 0, 32, None, &mut Budget::new(100_000), &mut leaf).is_err());
        // A node number past the tree is an error, not a panic.
        let nodes = [[5, 1]];
        let bytes = encode(&nodes, 24);
        let tree = SearchTree::new(&bytes, 3, 24).unwrap();
        assert!(Trie::build(&tree, 0, 32, None, &mut Budget::new(100), &mut leaf).is_err());
    }

    #[test]
    fn leaf_errors_are_passed_on() {
        let bytes = encode(&[[1, 2]], 24);
        let tree = SearchTree::new(&bytes, 1, 24).unwrap();
        let mut leaf = |_: Terminal, _: u8| Err(BuildError("no"));
        assert_eq!(
            Trie::build(&tree, 0, 32, None, &mut Budget::new(10), &mut leaf).unwrap_err(),
            BuildError("no")
        );
    }
}
