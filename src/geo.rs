//! Geospatial commands (Redis's `geo.c`): the [`Geo`] handle, [`GeoSearch`] and the
//! types its answers are made of.
//!
//! | Redis | here |
//! |---|---|
//! | `GEOADD` (`NX XX CH`) | [`geoadd`](Geo::geoadd), [`geoadd_with`](Geo::geoadd_with) |
//! | `GEODIST` / `GEOPOS` / `GEOHASH` | [`geodist`](Geo::geodist) / [`geopos`](Geo::geopos) / [`geohash`](Geo::geohash) |
//! | `GEOSEARCH`, `GEORADIUS`, `GEORADIUSBYMEMBER` (and `_RO`) | [`geosearch`](Geo::geosearch) with a [`GeoSearch`] |
//! | `GEOSEARCHSTORE`, `GEORADIUS… STORE / STOREDIST` | [`geosearchstore`](Geo::geosearchstore) |
//!
//! # Design
//!
//! A geospatial key is a plain sorted set: each member's score is the 52-bit geohash
//! of its position (`geohash.rs`), exactly the score Redis stores, so `ZRANGE`,
//! `ZREM` and the rest work on it and a snapshot moves between embedis and Redis
//! unchanged. A search reads at most nine score ranges — the cell of the centre and
//! its neighbours, at a cell size chosen from the radius — under one read lock, keeps
//! the members inside the shape, and sorts them by distance as Redis does, so the
//! same query returns the same members in the same order, ties included. Parts of
//! those ranges that a lower bound on the distance shows to be outside are skipped,
//! and so are most candidates before the exact haversine test: the answer is the
//! same, with less work.

use crate::geohash::{self, Extent, Shape};
use crate::keyspace::Access;
use crate::value::{SortedSet, opt};
use crate::zsets::store_sorted;
use crate::{Blob, Error, Result, ZAddOptions, ZSets};

/// A unit of distance (`m`, `km`, `ft`, `mi`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum GeoUnit {
    /// Metres (`m`), the default.
    #[default]
    Meters,
    /// Kilometres (`km`).
    Kilometers,
    /// Feet (`ft`): 0.3048 m.
    Feet,
    /// Miles (`mi`): 1609.34 m, as Redis counts them.
    Miles,
}

impl GeoUnit {
    /// The unit's length in metres.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(embedis::GeoUnit::Kilometers.meters(), 1000.0);
    /// ```
    pub fn meters(self) -> f64 {
        match self {
            GeoUnit::Meters => 1.0,
            GeoUnit::Kilometers => 1000.0,
            GeoUnit::Feet => 0.3048,
            GeoUnit::Miles => 1609.34,
        }
    }
}

/// The order of a search's results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GeoOrder {
    /// Nearest first (`ASC`).
    Asc,
    /// Farthest first (`DESC`).
    Desc,
}

/// How many results a search keeps (`COUNT n [ANY]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    /// The nearest `n`.
    Nearest(usize),
    /// The first `n` found.
    Any(usize),
}

/// Where a search is centred.
#[derive(Debug, Clone, PartialEq)]
enum Origin {
    Member(Blob),
    LonLat(f64, f64),
}

/// A search of a geospatial key (`GEOSEARCH`'s arguments): a centre, a shape, and how
/// many results in which order with which details.
///
/// The centre is a member of the key ([`from_member`](Self::from_member)) or a
/// position ([`from_lonlat`](Self::from_lonlat)); the shape a circle
/// ([`by_radius`](Self::by_radius)) or a box ([`by_box`](Self::by_box)), a radius of
/// 0 m until one is set.
///
/// # Examples
///
/// ```
/// use embedis::{GeoSearch, GeoUnit};
/// let store = embedis::Store::new();
/// let geo = store.geo();
/// geo.geoadd("sicily", [(13.361389, 38.115556, "Palermo"), (15.087269, 37.502669, "Catania")])?;
/// let near = GeoSearch::from_lonlat(15.0, 37.0).by_radius(200.0, GeoUnit::Kilometers).asc().with_dist();
/// let found = geo.geosearch("sicily", &near)?;
/// assert_eq!(found[0].member, "Catania");
/// assert!((found[0].dist.unwrap() - 56.4413).abs() < 1e-4);
/// assert_eq!(found[1].member, "Palermo");
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct GeoSearch {
    origin: Origin,
    extent: Extent,
    unit: GeoUnit,
    order: Option<GeoOrder>,
    limit: Option<Limit>,
    with_dist: bool,
    with_hash: bool,
    with_coord: bool,
}

impl GeoSearch {
    fn new(origin: Origin) -> Self {
        GeoSearch {
            origin,
            extent: Extent::Radius(0.0),
            unit: GeoUnit::Meters,
            order: None,
            limit: None,
            with_dist: false,
            with_hash: false,
            with_coord: false,
        }
    }

    /// A search centred on the position of `member` (`FROMMEMBER`,
    /// `GEORADIUSBYMEMBER`).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = embedis::GeoSearch::from_member("Palermo");
    /// ```
    pub fn from_member(member: impl AsRef<[u8]>) -> Self {
        GeoSearch::new(Origin::Member(Blob::copy_from_slice(member.as_ref())))
    }

    /// A search centred on a longitude and latitude (`FROMLONLAT`, `GEORADIUS`).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = embedis::GeoSearch::from_lonlat(15.0, 37.0);
    /// ```
    pub fn from_lonlat(longitude: f64, latitude: f64) -> Self {
        GeoSearch::new(Origin::LonLat(longitude, latitude))
    }

    /// Members within `radius` of the centre (`BYRADIUS`).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = embedis::GeoSearch::from_lonlat(15.0, 37.0).by_radius(10.0, embedis::GeoUnit::Miles);
    /// ```
    pub fn by_radius(mut self, radius: f64, unit: GeoUnit) -> Self {
        self.extent = Extent::Radius(radius);
        self.unit = unit;
        self
    }

    /// Members within a `width` × `height` box centred on the centre, its sides along
    /// the meridians and parallels (`BYBOX`).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = embedis::GeoSearch::from_lonlat(15.0, 37.0).by_box(400.0, 300.0, embedis::GeoUnit::Kilometers);
    /// ```
    pub fn by_box(mut self, width: f64, height: f64, unit: GeoUnit) -> Self {
        self.extent = Extent::Box(width, height);
        self.unit = unit;
        self
    }

    /// Nearest first (`ASC`).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = embedis::GeoSearch::from_lonlat(0.0, 0.0).asc();
    /// ```
    pub fn asc(self) -> Self {
        self.order(GeoOrder::Asc)
    }

    /// Farthest first (`DESC`).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = embedis::GeoSearch::from_lonlat(0.0, 0.0).desc();
    /// ```
    pub fn desc(self) -> Self {
        self.order(GeoOrder::Desc)
    }

    /// Results in this order (without one, in the order they are found).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = embedis::GeoSearch::from_lonlat(0.0, 0.0).order(embedis::GeoOrder::Desc);
    /// ```
    pub fn order(mut self, order: GeoOrder) -> Self {
        self.order = Some(order);
        self
    }

    /// At most `n` results, the nearest (`COUNT n`; nearest first unless
    /// [`desc`](Self::desc)). `n` must be at least 1.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = embedis::GeoSearch::from_lonlat(0.0, 0.0).count(10);
    /// ```
    pub fn count(mut self, n: usize) -> Self {
        self.limit = Some(Limit::Nearest(n));
        self
    }

    /// At most `n` results, the first `n` found rather than the nearest (`COUNT n
    /// ANY`): the search stops as soon as it has them.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = embedis::GeoSearch::from_lonlat(0.0, 0.0).count_any(10);
    /// ```
    pub fn count_any(mut self, n: usize) -> Self {
        self.limit = Some(Limit::Any(n));
        self
    }

    /// Each result with its distance from the centre, in the search's unit
    /// (`WITHDIST`).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = embedis::GeoSearch::from_lonlat(0.0, 0.0).with_dist();
    /// ```
    pub fn with_dist(mut self) -> Self {
        self.with_dist = true;
        self
    }

    /// Each result with its score, the 52-bit geohash (`WITHHASH`).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = embedis::GeoSearch::from_lonlat(0.0, 0.0).with_hash();
    /// ```
    pub fn with_hash(mut self) -> Self {
        self.with_hash = true;
        self
    }

    /// Each result with its longitude and latitude (`WITHCOORD`).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = embedis::GeoSearch::from_lonlat(0.0, 0.0).with_coord();
    /// ```
    pub fn with_coord(mut self) -> Self {
        self.with_coord = true;
        self
    }

    /// The arguments' own errors, in Redis's order.
    fn check(&self) -> Result<()> {
        if let Origin::LonLat(lon, lat) = self.origin {
            check_lonlat(lon, lat)?;
        }
        match self.extent {
            Extent::Radius(r) if r.is_nan() => return Err(Error::NotFloat),
            Extent::Radius(r) if r < 0.0 => return Err(Error::RadiusNegative),
            Extent::Box(w, h) if w.is_nan() || h.is_nan() => return Err(Error::NotFloat),
            Extent::Box(w, h) if w < 0.0 || h < 0.0 => return Err(Error::BoxNegative),
            _ => {}
        }
        if matches!(self.limit, Some(Limit::Nearest(0) | Limit::Any(0))) {
            return Err(Error::GeoCountNotPositive);
        }
        Ok(())
    }
}

/// One result of a search: a member, and the details the search asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoMatch {
    /// The member.
    pub member: Blob,
    /// Its distance from the centre, in the search's unit
    /// ([`with_dist`](GeoSearch::with_dist)).
    pub dist: Option<f64>,
    /// Its score, the 52-bit geohash ([`with_hash`](GeoSearch::with_hash)).
    pub hash: Option<u64>,
    /// Its longitude and latitude ([`with_coord`](GeoSearch::with_coord)).
    pub coord: Option<(f64, f64)>,
}

/// A member found inside the shape, before sorting.
#[derive(Debug, Clone)]
struct Point {
    member: Blob,
    lon: f64,
    lat: f64,
    dist: f64,
    score: f64,
}

/// [`Error::InvalidLonLat`] unless the position can be stored.
pub(crate) fn check_lonlat(lon: f64, lat: f64) -> Result<()> {
    let ok = (geohash::LON_MIN..=geohash::LON_MAX).contains(&lon)
        && (geohash::LAT_MIN..=geohash::LAT_MAX).contains(&lat);
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidLonLat(format!("{lon:.6},{lat:.6}")))
    }
}

/// How many levels below a search cell its parts are tested against the shape: up to
/// 4^DEPTH score ranges per cell, most of them ruled out whole.
const DEPTH: u8 = 2;

/// The members of `z` inside `shape`, in the order Redis finds them, stopping at
/// `limit` (0: no limit) as `membersOfAllNeighbors` does.
fn points_in(z: &SortedSet, shape: &Shape, limit: usize, need_dist: bool) -> Vec<Point> {
    let cells = shape.cells();
    let filter = shape.prefilter();
    // Without distances to report or sort by, a position shown inside needs no more.
    let inner = if need_dist {
        geohash::Inner::None
    } else {
        shape.inner()
    };
    let mut found: Vec<Point> = Vec::new();
    let full = |found: &Vec<Point>| limit != 0 && found.len() >= limit;
    let mut ranges = Vec::new();
    for cell in geohash::cells_to_read(&cells) {
        if full(&found) {
            break;
        }
        ranges.clear();
        geohash::ranges_to_read(cell, &filter, DEPTH, &mut ranges);
        for &(min, max) in &ranges {
            #[allow(clippy::cast_precision_loss)] // at most 2^52: exact
            let (min, max) = (min as f64, max as f64);
            z.walk(
                |s, _| s < min,
                |s, _| s < max,
                false,
                0,
                usize::MAX,
                |m, score| {
                    // Past the limit Redis stops; nothing more is taken.
                    if full(&found) {
                        return;
                    }
                    let (lon, lat) = geohash::decode_score(score);
                    if filter.rules_out(lon, lat) {
                        return;
                    }
                    let dist = if inner.holds(lon, lat) {
                        Some(f64::NAN)
                    } else {
                        shape.contains_at(lon, lat)
                    };
                    if let Some(dist) = dist {
                        found.push(Point {
                            member: Blob::copy_from_slice(m),
                            lon,
                            lat,
                            dist,
                            score,
                        });
                    }
                },
            );
        }
    }
    found
}

/// Runs `q` on `z`: the points to answer, in order, with their distances in metres
/// if sorted or if `need_dist` (otherwise NaN).
fn run(z: &SortedSet, q: &GeoSearch, need_dist: bool) -> Result<Vec<Point>> {
    let (lon, lat) = match &q.origin {
        Origin::LonLat(lon, lat) => (*lon, *lat),
        Origin::Member(m) => z
            .score(m)
            .map(geohash::decode_score)
            .ok_or_else(|| Error::UndecodableMember)?,
    };
    let shape = Shape {
        lon,
        lat,
        extent: q.extent,
        conversion: q.unit.meters(),
    };
    let (count, any) = match q.limit {
        None => (0, false),
        Some(Limit::Nearest(n)) => (n, false),
        Some(Limit::Any(n)) => (n, true),
    };
    // COUNT without ANY means the nearest: sorted ascending unless told otherwise.
    let order = match q.order {
        None if count != 0 && !any => Some(GeoOrder::Asc),
        order => order,
    };
    let need_dist = need_dist || order.is_some();
    let mut points = points_in(z, &shape, if any { count } else { 0 }, need_dist);
    let returned = if count == 0 {
        points.len()
    } else {
        count.min(points.len())
    };
    if let Some(order) = order {
        // Sorted as positions with their distances (small and cheap to move), then
        // the points put in that order.
        let desc = order == GeoOrder::Desc;
        let mut keys: Vec<(f64, usize)> = points
            .iter()
            .zip(0usize..)
            .map(|(p, i)| (p.dist, i))
            .collect();
        if returned == keys.len() {
            geohash::merge_sort(&mut keys, |k| k.0, desc);
        } else {
            geohash::partial_sort(&mut keys, |k| k.0, desc, 0, returned - 1);
        }
        // A member is copied (inline when short, shared when long), not reallocated.
        points = keys
            .iter()
            .take(returned)
            .map(|&(_, i)| points[i].clone())
            .collect();
    }
    points.truncate(returned);
    Ok(points)
}

/// Commands on geospatial values, in one database. From
/// [`Store::geo`](crate::Store::geo) or [`Db::geo`](crate::Db::geo).
///
/// A geospatial key is a sorted set whose scores are geohashes (see the module's
/// design notes): the [`ZSets`] commands work on it too.
///
/// # Examples
///
/// ```
/// use embedis::{GeoSearch, GeoUnit};
/// let store = embedis::Store::new();
/// let geo = store.geo();
/// geo.geoadd("sicily", [(13.361389, 38.115556, "Palermo"), (15.087269, 37.502669, "Catania")])?;
/// let found = geo.geosearch("sicily", &GeoSearch::from_member("Palermo").by_radius(100.0, GeoUnit::Kilometers))?;
/// assert_eq!(found.len(), 1);
/// assert_eq!(store.zsets().zscore("sicily", "Palermo")?, Some(3479099956230698.0));
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Geo<'s> {
    ks: Access<'s>,
    db: usize,
}

impl<'s> Geo<'s> {
    pub(crate) fn new(ks: Access<'s>, db: usize) -> Self {
        Geo { ks, db }
    }

    fn read<R>(&self, key: &[u8], f: impl FnOnce(Option<&SortedSet>) -> R) -> Result<R> {
        self.ks.read_as(self.db, key, f)
    }

    /// Adds members at their longitude and latitude, or moves those present, and
    /// returns how many were added (`GEOADD`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLonLat`] for a longitude outside -180..=180 or a latitude
    /// outside -85.05112878..=85.05112878; [`Error::WrongType`] if `key` holds
    /// another type than a sorted set; [`Error::WrongArity`] for no members. On error
    /// nothing changes.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let geo = store.geo();
    /// assert_eq!(geo.geoadd("g", [(13.361389, 38.115556, "Palermo")])?, 1);
    /// assert_eq!(geo.geoadd("g", [(13.0, 38.0, "Palermo"), (15.0, 37.0, "Catania")])?, 1);
    /// assert!(geo.geoadd("g", [(181.0, 10.0, "x")]).is_err());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn geoadd<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = (f64, f64, M)>,
    ) -> Result<usize> {
        self.geoadd_with(key, members, ZAddOptions::new())
    }

    /// [`geoadd`](Self::geoadd) with `ZADD`'s options: `NX`, `XX` and `CH` as
    /// `GEOADD` has them (`GT` and `LT` compare geohashes).
    ///
    /// # Errors
    ///
    /// As [`geoadd`](Self::geoadd).
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{ZAddCondition, ZAddOptions};
    /// let store = embedis::Store::new();
    /// let geo = store.geo();
    /// geo.geoadd("g", [(13.0, 38.0, "a")])?;
    /// let xx_ch = ZAddOptions::new().condition(ZAddCondition::IfPresent).ch();
    /// assert_eq!(geo.geoadd_with("g", [(14.0, 38.0, "a"), (1.0, 1.0, "b")], xx_ch)?, 1);
    /// assert_eq!(geo.geopos("g", ["b"])?, [None]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn geoadd_with<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = (f64, f64, M)>,
        options: ZAddOptions,
    ) -> Result<usize> {
        let scored = members
            .into_iter()
            .map(|(lon, lat, m)| {
                check_lonlat(lon, lat)?;
                #[allow(clippy::cast_precision_loss)] // 54 bits at most: exact
                let score = geohash::score_of(lon, lat) as f64;
                Ok((m, score))
            })
            .collect::<Result<Vec<_>>>()?;
        ZSets::new(self.ks, self.db).zadd_with(key, scored, options)
    }

    /// The distance between two members in `unit`, `None` if either (or the key) is
    /// missing (`GEODIST`). Redis replies with it rounded to 4 decimals.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::GeoUnit;
    /// let store = embedis::Store::new();
    /// let geo = store.geo();
    /// geo.geoadd("sicily", [(13.361389, 38.115556, "Palermo"), (15.087269, 37.502669, "Catania")])?;
    /// let m = geo.geodist("sicily", "Palermo", "Catania", GeoUnit::Meters)?.unwrap();
    /// assert_eq!(format!("{m:.4}"), "166274.1516");
    /// assert_eq!(geo.geodist("sicily", "Palermo", "Rome", GeoUnit::Meters)?, None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn geodist(
        &self,
        key: impl AsRef<[u8]>,
        member1: impl AsRef<[u8]>,
        member2: impl AsRef<[u8]>,
        unit: GeoUnit,
    ) -> Result<Option<f64>> {
        self.read(key.as_ref(), |z| {
            let z = z?;
            let (lon1, lat1) = geohash::decode_score(z.score(member1.as_ref())?);
            let (lon2, lat2) = geohash::decode_score(z.score(member2.as_ref())?);
            Some(geohash::distance(lon1, lat1, lon2, lat2) / unit.meters())
        })
    }

    /// The longitude and latitude of each member, `None` for a missing one (`GEOPOS`):
    /// the centre of the member's geohash cell, within about 0.6 m of what was added.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let geo = store.geo();
    /// geo.geoadd("g", [(13.361389, 38.115556, "Palermo")])?;
    /// let pos = geo.geopos("g", ["Palermo", "Rome"])?;
    /// let (lon, lat) = pos[0].unwrap();
    /// assert!((lon - 13.361389).abs() < 1e-5 && (lat - 38.115556).abs() < 1e-5);
    /// assert_eq!(pos[1], None);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn geopos<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = M>,
    ) -> Result<Vec<Option<(f64, f64)>>> {
        self.scores(key.as_ref(), members, geohash::decode_score)
    }

    /// The 11-character standard geohash of each member, `None` for a missing one
    /// (`GEOHASH`).
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = embedis::Store::new();
    /// let geo = store.geo();
    /// geo.geoadd("g", [(13.361389, 38.115556, "Palermo")])?;
    /// assert_eq!(geo.geohash("g", ["Palermo", "Rome"])?, [Some("sqc8b49rny0".to_string()), None]);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn geohash<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = M>,
    ) -> Result<Vec<Option<String>>> {
        self.scores(key.as_ref(), members, |s| {
            geohash::geohash_string(s)
                .iter()
                .map(|&b| char::from(b))
                .collect()
        })
    }

    /// Each member's score through `f`, `None` for a missing one.
    fn scores<M: AsRef<[u8]>, T>(
        &self,
        key: &[u8],
        members: impl IntoIterator<Item = M>,
        f: impl Fn(f64) -> T,
    ) -> Result<Vec<Option<T>>> {
        let members: crate::Args<M> = members.into_iter().collect();
        self.read(key, |z| {
            members
                .iter()
                .map(|m| z.and_then(|z| z.score(m.as_ref())).map(&f))
                .collect()
        })
    }

    /// The members inside the search's shape (`GEOSEARCH`; `GEORADIUS` and
    /// `GEORADIUSBYMEMBER` are its older spellings): none if the key is missing.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] if `key` holds another type;
    /// [`Error::UndecodableMember`] if the centre is a member the key does not hold;
    /// [`Error::InvalidLonLat`] for a centre outside the limits;
    /// [`Error::RadiusNegative`] / [`Error::BoxNegative`] for a negative extent;
    /// [`Error::GeoCountNotPositive`] for a count of 0.
    ///
    /// # Complexity
    ///
    /// O(log n + m) for m members in the cells read.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{GeoSearch, GeoUnit};
    /// let store = embedis::Store::new();
    /// let geo = store.geo();
    /// geo.geoadd("sicily", [(13.361389, 38.115556, "Palermo"), (15.087269, 37.502669, "Catania")])?;
    /// let q = GeoSearch::from_lonlat(15.0, 37.0).by_box(400.0, 400.0, GeoUnit::Kilometers).desc().with_coord();
    /// let found = geo.geosearch("sicily", &q)?;
    /// assert_eq!(found[0].member, "Palermo");
    /// assert!(found[0].coord.is_some() && found[0].dist.is_none());
    /// # Ok::<(), embedis::Error>(())
    /// ```
    #[doc(alias = "GEORADIUS")]
    #[doc(alias = "GEORADIUSBYMEMBER")]
    pub fn geosearch(&self, key: impl AsRef<[u8]>, search: &GeoSearch) -> Result<Vec<GeoMatch>> {
        search.check()?;
        let points = self.read(key.as_ref(), |z| match z {
            Some(z) => run(z, search, search.with_dist),
            None => Ok(Vec::new()),
        })??;
        let conversion = search.unit.meters();
        Ok(points
            .into_iter()
            .map(|p| GeoMatch {
                member: p.member,
                dist: search.with_dist.then_some(p.dist / conversion),
                hash: search.with_hash.then(|| geohash::score_bits(p.score)),
                coord: search.with_coord.then_some((p.lon, p.lat)),
            })
            .collect())
    }

    /// Stores the members [`geosearch`](Self::geosearch) finds in `src` as a sorted
    /// set at `dst`, scored by geohash, or (`store_dist`) by distance in the search's
    /// unit; returns how many (`GEOSEARCHSTORE`, `GEORADIUS … STORE / STOREDIST`).
    /// `dst` is replaced (its TTL dropped), or deleted if nothing is found. The
    /// search's `with_*` details are ignored.
    ///
    /// # Errors
    ///
    /// As [`geosearch`](Self::geosearch), for `src`.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::{GeoSearch, GeoUnit};
    /// let store = embedis::Store::new();
    /// let geo = store.geo();
    /// geo.geoadd("sicily", [(13.361389, 38.115556, "Palermo"), (15.087269, 37.502669, "Catania")])?;
    /// let q = GeoSearch::from_lonlat(15.0, 37.0).by_radius(100.0, GeoUnit::Kilometers);
    /// assert_eq!(geo.geosearchstore("near", "sicily", &q, true)?, 1);
    /// let d = store.zsets().zscore("near", "Catania")?.unwrap();
    /// assert!((d - 56.4413).abs() < 1e-4);
    /// # Ok::<(), embedis::Error>(())
    /// ```
    pub fn geosearchstore(
        &self,
        dst: impl AsRef<[u8]>,
        src: impl AsRef<[u8]>,
        search: &GeoSearch,
        store_dist: bool,
    ) -> Result<usize> {
        self.search_store(
            dst.as_ref(),
            src.as_ref(),
            search,
            store_dist,
            "geosearchstore",
        )
    }

    /// [`geosearchstore`](Self::geosearchstore) raising `event` on `dst`
    /// (`GEORADIUS … STORE` raises `georadiusstore`).
    pub(crate) fn search_store(
        &self,
        dst: &[u8],
        src: &[u8],
        search: &GeoSearch,
        store_dist: bool,
        event: &'static str,
    ) -> Result<usize> {
        search.check()?;
        let located = [(self.db, dst), (self.db, src)];
        self.ks.admit()?;
        self.ks.write_many(&located, |many| {
            many.note_misses([1]);
            let points = match opt::<SortedSet>(many.get(1))? {
                Some(z) => run(z, search, store_dist)?,
                None => Vec::new(),
            };
            let conversion = search.unit.meters();
            let mut members: Vec<(Blob, f64)> = points
                .into_iter()
                .map(|p| {
                    let score = if store_dist {
                        p.dist / conversion
                    } else {
                        p.score
                    };
                    (p.member, score)
                })
                .filter(|(_, s)| !s.is_nan())
                .collect();
            members.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
            members.dedup_by(|a, b| a.0 == b.0);
            Ok(store_sorted(&mut many.entry(0), members, event))
        })
    }

    /// For the command layer, which checks what Redis checks before it reads its
    /// arguments: `None` if `key` is missing, else whether it holds `member` (if one is
    /// given). Not counted as an access.
    pub(crate) fn probe(&self, key: &[u8], member: Option<&[u8]>) -> Result<Option<bool>> {
        self.ks.peek(self.db, key, |v| {
            Ok(opt::<SortedSet>(v.map(|(v, _)| v))?
                .map(|z| member.is_none_or(|m| z.score(m).is_some())))
        })
    }
}
