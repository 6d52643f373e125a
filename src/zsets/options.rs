//! The options of `ZADD`: [`ZAddCondition`] (`NX`, `XX`, `GT`, `LT`) and [`ZAddOptions`]
//! (the condition and `CH`).

/// When `ZADD` may add or update a member: its `NX`, `XX`, `GT` and `LT` flags, in the
/// combinations Redis accepts.
///
/// # Examples
///
/// ```
/// use embedis::{ZAddCondition, ZAddOptions};
/// let store = embedis::Store::new();
/// store.zsets().zadd("z", [("a", 5.0)])?;
/// let gt = ZAddOptions::new().condition(ZAddCondition::IfGreater);
/// store.zsets().zadd_with("z", [("a", 3.0), ("b", 1.0)], gt)?;
/// assert_eq!(store.zsets().zscore("z", "a")?, Some(5.0));
/// assert_eq!(store.zsets().zscore("z", "b")?, Some(1.0));
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZAddCondition {
    /// Add new members, update existing ones (no flag).
    #[default]
    Always,
    /// Only add new members (`NX`).
    IfAbsent,
    /// Only update existing members (`XX`).
    IfPresent,
    /// Add new members; update existing ones only to a greater score (`GT`).
    IfGreater,
    /// Add new members; update existing ones only to a lower score (`LT`).
    IfLess,
    /// Only update existing members, and only to a greater score (`XX GT`).
    IfPresentAndGreater,
    /// Only update existing members, and only to a lower score (`XX LT`).
    IfPresentAndLess,
}

impl ZAddCondition {
    /// Whether a member now at `old` (`None`: absent) may take score `new`; when not,
    /// Redis counts the member as not processed.
    pub(super) fn permits(self, old: Option<f64>, new: f64) -> bool {
        use ZAddCondition::{
            Always, IfAbsent, IfGreater, IfLess, IfPresent, IfPresentAndGreater, IfPresentAndLess,
        };
        match (self, old) {
            (IfPresent | IfPresentAndGreater | IfPresentAndLess, None) | (IfAbsent, Some(_)) => {
                false
            }
            (_, None) | (Always | IfPresent, Some(_)) => true,
            (IfGreater | IfPresentAndGreater, Some(old)) => new > old,
            (IfLess | IfPresentAndLess, Some(old)) => new < old,
        }
    }

    /// Whether the key must already exist for anything to happen (`XX`).
    pub(super) fn only_updates(self) -> bool {
        matches!(
            self,
            ZAddCondition::IfPresent
                | ZAddCondition::IfPresentAndGreater
                | ZAddCondition::IfPresentAndLess
        )
    }
}

/// Options of `ZADD`: the [`ZAddCondition`] and `CH`.
///
/// # Examples
///
/// ```
/// use embedis::{ZAddCondition, ZAddOptions};
/// let opts = ZAddOptions::new().condition(ZAddCondition::IfPresent).ch();
/// ```
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ZAddOptions {
    pub(super) condition: ZAddCondition,
    pub(super) ch: bool,
}

impl ZAddOptions {
    /// Add or update every member, counting the added ones.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let n = store.zsets().zadd_with("z", [("a", 1.0)], embedis::ZAddOptions::new())?;
    /// assert_eq!(n, 1);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn new() -> Self {
        ZAddOptions::default()
    }

    /// Which members may be added or updated.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{ZAddCondition, ZAddOptions};
    /// let store = embedis::Store::new();
    /// let xx = ZAddOptions::new().condition(ZAddCondition::IfPresent);
    /// assert_eq!(store.zsets().zadd_with("z", [("a", 1.0)], xx)?, 0);
    /// assert_eq!(store.zsets().zcard("z")?, 0);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn condition(mut self, condition: ZAddCondition) -> Self {
        self.condition = condition;
        self
    }

    /// Count changed members — added, or given a new score — rather than added ones
    /// (`CH`).
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// store.zsets().zadd("z", [("a", 1.0)])?;
    /// let ch = embedis::ZAddOptions::new().ch();
    /// assert_eq!(store.zsets().zadd_with("z", [("a", 2.0), ("b", 1.0)], ch)?, 2);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn ch(mut self) -> Self {
        self.ch = true;
        self
    }
}
