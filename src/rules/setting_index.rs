//! The `name = value` entries of a server's postgresql.conf set, each with its parameter,
//! grouped by parameter. The rules of families 2 and 6 all ask "which parameter does this line
//! set" and "which lines set this parameter"; a catalog lookup costs about a thousand
//! instructions, and a set of 33,000 lines asked once per rule paid for it many times over.
//! [`crate::rules::Context::setting_index`] builds the index once per lint and shares it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use foldhash::fast::RandomState;

use crate::model::catalog::{Catalog, Param};
use crate::model::config_set::{ConfSource, ConfigSet, Item, SettingRef};
use crate::source::Span;
use crate::source::text::escape_bytes;
use crate::syntax::conf::Setting;

/// One `name = value` entry of the server's list, with the file it is in.
#[derive(Clone, Copy)]
pub struct SettingEntry<'a> {
    /// Position in [`ConfigSet::items`] (server order).
    pub index: usize,
    pub item: &'a Item,
    pub file: &'a ConfSource,
    pub name: &'a [u8],
    /// De-quoted.
    pub value: &'a [u8],
    pub setting: &'a Setting,
    /// The parameter the name (an alias, any case) stands for in the server's version.
    pub param: Option<&'static Param>,
    /// Index of the entry's group in [`SettingIndex::groups`]; `None` for a name without a
    /// [`ParameterKey`].
    group: Option<usize>,
}

impl<'a> SettingEntry<'a> {
    pub fn path(&self) -> &'a Path {
        self.file.source.path()
    }

    /// The name as written, for messages.
    pub fn shown_name(&self) -> String {
        escape_bytes(self.name)
    }

    /// The parameter's name as the catalog spells it; the name as written for placeholders.
    pub fn parameter_name(&self) -> Cow<'static, str> {
        self.param
            .map_or_else(|| self.shown_name().into(), |p| p.name().into())
    }

    /// `name = value`, the span labels point at.
    pub fn span(&self) -> Span {
        self.setting.name.span.cover(self.setting.value.span)
    }
}

/// What the entries of one parameter share: built-in parameters are one whatever the alias or
/// case; extension placeholders (names with a dot) are one per lowercase name. Other names
/// the version does not know have none (PG2001 reports them).
#[derive(PartialEq, Eq, Hash)]
enum ParameterKey {
    BuiltIn(&'static str),
    Placeholder(Vec<u8>),
}

impl ParameterKey {
    fn of(name: &[u8], param: Option<&'static Param>) -> Option<Self> {
        match param {
            Some(p) => Some(ParameterKey::BuiltIn(p.name())),
            None if name.contains(&b'.') => {
                Some(ParameterKey::Placeholder(name.to_ascii_lowercase()))
            }
            None => None,
        }
    }
}

/// Every setting of a set, in server order and grouped by parameter.
///
/// An entry is kept as its item and two positions (16 bytes); the [`SettingEntry`] view, with
/// the name, value and tokens the item holds, is made when asked for. Keeping the views cost
/// 88 bytes a setting, 2.9 MB of big_active.conf's lint.
pub struct SettingIndex<'a> {
    set: &'a ConfigSet,
    entries: Vec<Slot<'a>>,
    /// Per parameter, in order of first appearance: positions in `entries`, in server order.
    groups: Vec<Vec<usize>>,
    keys: HashMap<ParameterKey, usize, RandomState>,
}

/// One setting: its item, the item's position in [`ConfigSet::items`], and its group.
#[derive(Clone, Copy)]
struct Slot<'a> {
    item: &'a Item,
    index: u32,
    /// [`Slot::NO_GROUP`] for a name without a [`ParameterKey`].
    group: u32,
}

impl Slot<'_> {
    const NO_GROUP: u32 = u32::MAX;
}

impl<'a> SettingIndex<'a> {
    pub fn new(set: &'a ConfigSet) -> Self {
        let catalog = Catalog::get(set.version);
        let mut index = SettingIndex {
            set,
            entries: Vec::with_capacity(set.items.len()),
            groups: Vec::new(),
            // One group per parameter at most, plus the placeholders (few).
            keys: HashMap::with_capacity_and_hasher(
                catalog.params().count(),
                RandomState::default(),
            ),
        };
        // Group of each spelling met so far: a set repeats few spellings many times
        // (big_active.conf: 331 spellings, 33,100 entries), and one hash of the bytes costs a
        // fraction of building and hashing the key. The parameter is the item's, looked up
        // when the set was evaluated.
        let mut spellings: HashMap<&'a [u8], Option<usize>, RandomState> =
            HashMap::with_capacity_and_hasher(catalog.params().count(), RandomState::default());
        for (position, item) in set.items.iter().enumerate() {
            let Some(SettingRef { name, .. }) = set.setting(item) else {
                continue;
            };
            let group = match spellings.get(name) {
                Some(&known) => known,
                None => {
                    let group = ParameterKey::of(name, item.param).map(|key| index.group_of(key));
                    spellings.insert(name, group);
                    group
                }
            };
            if let Some(g) = group {
                index.groups[g].push(index.entries.len());
            }
            index.entries.push(Slot {
                item,
                index: position_u32(position),
                group: group.map_or(Slot::NO_GROUP, position_u32),
            });
        }
        index
    }

    /// The view of a slot.
    fn view(&self, slot: Slot<'a>) -> SettingEntry<'a> {
        let Some(SettingRef {
            name,
            value,
            setting,
        }) = self.set.setting(slot.item)
        else {
            unreachable!("the index holds settings only");
        };
        SettingEntry {
            index: slot.index as usize,
            item: slot.item,
            file: &self.set.files[slot.item.file],
            name,
            value,
            setting,
            param: slot.item.param,
            group: (slot.group != Slot::NO_GROUP).then_some(slot.group as usize),
        }
    }

    /// The group of `key`, made on its first appearance.
    fn group_of(&mut self, key: ParameterKey) -> usize {
        let groups = &mut self.groups;
        *self.keys.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        })
    }

    /// Every setting (include directives are not settings), in server order.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = SettingEntry<'a>> + '_ {
        self.entries.iter().map(|&slot| self.view(slot))
    }

    /// The entries whose value the server checks, with their parameter: known names, not
    /// overridden by a later entry of the same spelling (`Item::ignored`).
    pub fn checked(&self) -> impl Iterator<Item = (SettingEntry<'a>, &'static Param)> + '_ {
        self.entries
            .iter()
            .filter(|slot| !slot.item.ignored)
            .filter_map(|&slot| Some((self.view(slot), slot.item.param?)))
    }

    /// The entry at `position` of [`SettingIndex::entries`].
    pub fn entry(&self, position: usize) -> SettingEntry<'a> {
        self.view(self.entries[position])
    }

    /// Per parameter, in order of first appearance: the positions of its entries.
    pub fn groups(&self) -> impl Iterator<Item = &[usize]> {
        self.groups.iter().map(Vec::as_slice)
    }

    /// The entries that set `param`, in server order.
    pub fn assignments(
        &self,
        param: &'static Param,
    ) -> impl DoubleEndedIterator<Item = SettingEntry<'a>> + '_ {
        let group = self
            .keys
            .get(&ParameterKey::BuiltIn(param.name()))
            .map_or(&[][..], |g| self.groups[*g].as_slice());
        group.iter().map(|&i| self.entry(i))
    }

    /// The last entry of the same parameter as `entry`, when that is a later one.
    pub fn last_of_parameter(&self, entry: &SettingEntry<'a>) -> Option<SettingEntry<'a>> {
        let last = *self.groups.get(entry.group?)?.last()?;
        let last = self.entry(last);
        (last.index > entry.index).then_some(last)
    }
}

/// A position as stored: a set of over 4 billion items cannot be read into memory.
fn position_u32(position: usize) -> u32 {
    u32::try_from(position).expect("fewer than 2^32 settings")
}
