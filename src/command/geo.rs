//! Geospatial commands (`geo.c`): argument parsing and reply shaping over
//! [`Geo`](crate::Geo). The searches share one parser, `search`, which checks the
//! arguments in the order of Redis's `georadiusGeneric`.

use bytes::Bytes;

use super::parse::{float, int, is};
use super::{Ctx, Reply, error, reply_error};
use crate::geo::check_lonlat;
use crate::{Error, GeoMatch, GeoOrder, GeoSearch, GeoUnit, Result, ZAddCondition, ZAddOptions};

/// `GEORADIUS`: centred on a position given before the radius.
const COORDS: u8 = 1;
/// `GEORADIUSBYMEMBER`: centred on a member given before the radius.
const MEMBER: u8 = 1 << 1;
/// The `_RO` forms: no `STORE` / `STOREDIST`.
const NO_STORE: u8 = 1 << 2;
/// `GEOSEARCH` and `GEOSEARCHSTORE`: `FROM…` and `BY…` options.
const SEARCH: u8 = 1 << 3;
/// `GEOSEARCHSTORE`: the destination first, `STOREDIST` a flag.
const SEARCH_STORE: u8 = 1 << 4;

/// A unit argument (`extractUnitOrReply`).
fn unit(arg: &[u8]) -> Result<GeoUnit, Reply> {
    Ok(match arg {
        u if is(u, "m") => GeoUnit::Meters,
        u if is(u, "km") => GeoUnit::Kilometers,
        u if is(u, "ft") => GeoUnit::Feet,
        u if is(u, "mi") => GeoUnit::Miles,
        _ => {
            return Err(error(
                "ERR unsupported unit provided. please use M, KM, FT, MI",
            ));
        }
    })
}

/// A longitude and latitude (`extractLongLatOrReply`): both numbers, then the range.
fn lonlat(lon: &[u8], lat: &[u8]) -> Result<(f64, f64)> {
    let (lon, lat) = (float(lon)?, float(lat)?);
    check_lonlat(lon, lat)?;
    Ok((lon, lat))
}

/// A number of the shape, or Redis's message naming it.
fn dimension(arg: &[u8], what: &str) -> Result<f64, Reply> {
    float(arg).map_err(|_| error(format!("ERR need numeric {what}")))
}

/// `radius unit` (`extractDistanceOrReply`).
fn radius(r: &[u8], u: &[u8]) -> Result<(f64, GeoUnit), Reply> {
    let r = dimension(r, "radius")?;
    if r < 0.0 {
        return Err(Error::RadiusNegative.into());
    }
    Ok((r, unit(u)?))
}

/// `width height unit` (`extractBoxOrReply`).
fn boxed(w: &[u8], h: &[u8], u: &[u8]) -> Result<(f64, f64, GeoUnit), Reply> {
    let w = dimension(w, "width")?;
    let h = dimension(h, "height")?;
    if h < 0.0 || w < 0.0 {
        return Err(Error::BoxNegative.into());
    }
    Ok((w, h, unit(u)?))
}

/// A distance as `addReplyDoubleDistance` writes it: rounded (half to even) to 4
/// decimals, as `fixedpoint_d2string` does with `llrint`.
fn distance_text(d: f64) -> Bytes {
    if d == 0.0 {
        return Bytes::from_static(b"0.0000");
    }
    let scaled = (d * 10000.0).round_ties_even();
    // Out of range (or NaN), x86's conversion gives the most negative integer.
    #[allow(clippy::cast_possible_truncation)]
    let v = if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&scaled) {
        scaled as i64
    } else {
        i64::MIN
    };
    // Digits from the right, the point before the last four, at least "0.dddd".
    let mut buf = [0u8; 24];
    let mut at = buf.len();
    let mut m = v.unsigned_abs();
    let mut digits = 0;
    while m > 0 || digits < 5 {
        if digits == 4 {
            at -= 1;
            buf[at] = b'.';
        }
        at -= 1;
        #[allow(clippy::cast_possible_truncation)] // one digit
        {
            buf[at] = b'0' + (m % 10) as u8;
        }
        m /= 10;
        digits += 1;
    }
    if v < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    Bytes::copy_from_slice(&buf[at..])
}

/// A coordinate as `addReplyHumanLongDouble` writes it: `%.17Lf` of the value, its
/// trailing zeros (and a bare point) dropped, `-0` as `0`.
fn coordinate_text(d: f64) -> String {
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.into();
    }
    let s = format!("{d:.17}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// A coordinate reply: a bulk string in RESP2, a double in RESP3 (the value Redis's
/// text reads as).
fn coordinate(c: &Ctx<'_>, d: f64) -> Reply {
    let text = coordinate_text(d);
    if c.resp3 {
        Reply::Double(text.parse().unwrap_or(d))
    } else {
        Reply::Bulk(text.into())
    }
}

fn position(c: &Ctx<'_>, (lon, lat): (f64, f64)) -> Reply {
    Reply::Array(vec![coordinate(c, lon), coordinate(c, lat)])
}

pub(super) fn geoadd(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (mut nx, mut xx, mut ch) = (false, false, false);
    let mut at = 2;
    while at < a.len() {
        match a[at] {
            o if is(o, "NX") => nx = true,
            o if is(o, "XX") => xx = true,
            o if is(o, "CH") => ch = true,
            _ => break,
        }
        at += 1;
    }
    let rest = &a[at..];
    if !rest.len().is_multiple_of(3) || (xx && nx) {
        return Err(Error::Syntax);
    }
    let members = rest
        .chunks_exact(3)
        .map(|t| lonlat(t[0], t[1]).map(|(lon, lat)| (lon, lat, t[2])))
        .collect::<Result<Vec<_>>>()?;
    if members.is_empty() {
        // GEOADD runs as ZADD, which refuses no elements.
        return Err(Error::Syntax);
    }
    let condition = match (nx, xx) {
        (true, _) => ZAddCondition::IfAbsent,
        (_, true) => ZAddCondition::IfPresent,
        _ => ZAddCondition::Always,
    };
    let mut options = ZAddOptions::new().condition(condition);
    if ch {
        options = options.ch();
    }
    Ok(c.geo().geoadd_with(a[1], members, options)?.into())
}

pub(super) fn geodist(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let unit = match a.len() {
        4 => GeoUnit::Meters,
        5 => match unit(a[4]) {
            Ok(u) => u,
            Err(reply) => return Ok(reply),
        },
        _ => return Err(Error::Syntax),
    };
    Ok(match c.geo().geodist(a[1], a[2], a[3], unit)? {
        Some(d) => Reply::Bulk(distance_text(d)),
        None => Reply::Nil,
    })
}

pub(super) fn geohash(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let hashes = c.geo().geohash(a[1], &a[2..])?;
    Ok(Reply::Array(
        hashes
            .into_iter()
            .map(|h| h.map_or(Reply::Nil, |h| Reply::Bulk(h.into())))
            .collect(),
    ))
}

pub(super) fn geopos(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let positions = c.geo().geopos(a[1], &a[2..])?;
    Ok(Reply::Array(
        positions
            .into_iter()
            .map(|p| p.map_or(Reply::NilArray, |p| position(c, p)))
            .collect(),
    ))
}

pub(super) fn georadius(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    search(c, a, 1, COORDS)
}

pub(super) fn georadius_ro(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    search(c, a, 1, COORDS | NO_STORE)
}

pub(super) fn georadiusbymember(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    search(c, a, 1, MEMBER)
}

pub(super) fn georadiusbymember_ro(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    search(c, a, 1, MEMBER | NO_STORE)
}

pub(super) fn geosearch(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    search(c, a, 1, SEARCH)
}

pub(super) fn geosearchstore(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    search(c, a, 2, SEARCH | SEARCH_STORE)
}

/// A search's centre as parsed.
enum Centre<'a> {
    Member(&'a [u8]),
    LonLat(f64, f64),
}

/// A search's shape as parsed.
enum Area {
    Radius(f64, GeoUnit),
    Box(f64, f64, GeoUnit),
}

fn search(c: &Ctx<'_>, a: &[&[u8]], src: usize, flags: u8) -> Result<Reply> {
    match parse_and_run(c, a, src, flags) {
        Ok(reply) => reply,
        Err(reply) => Ok(reply),
    }
}

/// `georadiusGeneric`: the source's type first, then the arguments in order (a
/// centre member looked up where it appears), then the combinations.
#[allow(clippy::too_many_lines)]
fn parse_and_run(c: &Ctx<'_>, a: &[&[u8]], src: usize, flags: u8) -> Result<Result<Reply>, Reply> {
    let key = a[src];
    let geo = c.geo();
    let exists = geo.probe(key, None)?.is_some();
    // Whether the key holds `member`: Redis's "could not decode" otherwise.
    let member_found = |m: &[u8]| -> Result<(), Reply> {
        match geo.probe(key, Some(m))? {
            Some(false) => Err(Error::UndecodableMember.into()),
            _ => Ok(()),
        }
    };
    let mut store: Option<&[u8]> = None;
    let mut store_dist = false;
    let mut centre: Option<Centre<'_>> = None;
    let mut area: Option<Area> = None;
    let base = if flags & COORDS != 0 {
        let (lon, lat) = lonlat(a[2], a[3])?;
        centre = Some(Centre::LonLat(lon, lat));
        let (dist, in_unit) = radius(a[4], a[5])?;
        area = Some(Area::Radius(dist, in_unit));
        6
    } else if flags & MEMBER != 0 {
        if exists {
            member_found(a[2])?;
            centre = Some(Centre::Member(a[2]));
            let (dist, in_unit) = radius(a[3], a[4])?;
            area = Some(Area::Radius(dist, in_unit));
        }
        5
    } else if flags & SEARCH_STORE != 0 {
        store = Some(a[1]);
        3
    } else {
        2
    };
    let (mut with_dist, mut with_hash, mut with_coord) = (false, false, false);
    let (mut from_member, mut from_loc, mut by_radius, mut by_box) = (false, false, false, false);
    let mut order: Option<GeoOrder> = None;
    let mut any = false;
    let mut count: i64 = 0;
    let search_flags = flags & SEARCH != 0;
    let may_store = flags & (NO_STORE | SEARCH) == 0;
    let rest = &a[base.min(a.len())..];
    let remaining = rest.len();
    let mut at = 0;
    while at < remaining {
        let arg = rest[at];
        if is(arg, "withdist") {
            with_dist = true;
        } else if is(arg, "withhash") {
            with_hash = true;
        } else if is(arg, "withcoord") {
            with_coord = true;
        } else if is(arg, "any") {
            any = true;
        } else if is(arg, "asc") {
            order = Some(GeoOrder::Asc);
        } else if is(arg, "desc") {
            order = Some(GeoOrder::Desc);
        } else if is(arg, "count") && at + 1 < remaining {
            count = int(rest[at + 1])?;
            if count <= 0 {
                return Err(Error::GeoCountNotPositive.into());
            }
            at += 1;
        } else if is(arg, "store") && at + 1 < remaining && may_store {
            store = Some(rest[at + 1]);
            store_dist = false;
            at += 1;
        } else if is(arg, "storedist") && at + 1 < remaining && may_store {
            store = Some(rest[at + 1]);
            store_dist = true;
            at += 1;
        } else if is(arg, "storedist") && search_flags && flags & SEARCH_STORE != 0 {
            store_dist = true;
        } else if is(arg, "frommember") && at + 1 < remaining && search_flags && !from_loc {
            if exists {
                member_found(rest[at + 1])?;
            }
            centre = Some(Centre::Member(rest[at + 1]));
            from_member = true;
            at += 1;
        } else if is(arg, "fromlonlat") && at + 2 < remaining && search_flags && !from_member {
            let (lon, lat) = lonlat(rest[at + 1], rest[at + 2])?;
            centre = Some(Centre::LonLat(lon, lat));
            from_loc = true;
            at += 2;
        } else if is(arg, "byradius") && at + 2 < remaining && search_flags && !by_box {
            let (dist, in_unit) = radius(rest[at + 1], rest[at + 2])?;
            area = Some(Area::Radius(dist, in_unit));
            by_radius = true;
            at += 2;
        } else if is(arg, "bybox") && at + 3 < remaining && search_flags && !by_radius {
            let (width, height, in_unit) = boxed(rest[at + 1], rest[at + 2], rest[at + 3])?;
            area = Some(Area::Box(width, height, in_unit));
            by_box = true;
            at += 3;
        } else {
            return Err(Error::Syntax.into());
        }
        at += 1;
    }
    if store.is_some() && (with_dist || with_hash || with_coord) {
        let who = if flags & SEARCH_STORE != 0 {
            "GEOSEARCHSTORE"
        } else {
            "STORE option in GEORADIUS"
        };
        return Err(error(format!(
            "ERR {who} is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        )));
    }
    if search_flags && !(from_member || from_loc) {
        return Err(reply_error(&[
            b"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ",
            a[0],
        ]));
    }
    if search_flags && !(by_radius || by_box) {
        return Err(reply_error(&[
            b"ERR exactly one of BYRADIUS and BYBOX can be specified for ",
            a[0],
        ]));
    }
    if any && count == 0 {
        return Err(error("ERR the ANY argument requires COUNT argument"));
    }
    let mut query = match centre {
        Some(Centre::Member(m)) => GeoSearch::from_member(m),
        Some(Centre::LonLat(lon, lat)) => GeoSearch::from_lonlat(lon, lat),
        // A missing key: nothing is searched.
        None => GeoSearch::from_lonlat(0.0, 0.0),
    };
    query = match area {
        Some(Area::Radius(dist, in_unit)) => query.by_radius(dist, in_unit),
        Some(Area::Box(width, height, in_unit)) => query.by_box(width, height, in_unit),
        None => query,
    };
    if let Some(order) = order {
        query = query.order(order);
    }
    if count > 0 {
        let n = usize::try_from(count).unwrap_or(usize::MAX);
        query = if any {
            query.count_any(n)
        } else {
            query.count(n)
        };
    }
    if let Some(dst) = store {
        let event = if search_flags {
            "geosearchstore"
        } else {
            "georadiusstore"
        };
        let n = geo.search_store(dst, key, &query, store_dist, event)?;
        return Ok(Ok(n.into()));
    }
    if with_dist {
        query = query.with_dist();
    }
    if with_hash {
        query = query.with_hash();
    }
    if with_coord {
        query = query.with_coord();
    }
    let found = geo.geosearch(key, &query)?;
    let detailed = with_dist || with_hash || with_coord;
    Ok(Ok(Reply::Array(
        found
            .into_iter()
            .map(|m| {
                if detailed {
                    details(c, m)
                } else {
                    m.member.into()
                }
            })
            .collect(),
    )))
}

/// A result with its details: `[member, dist?, hash?, [lon, lat]?]`.
fn details(c: &Ctx<'_>, m: GeoMatch) -> Reply {
    let mut v = vec![m.member.into()];
    if let Some(d) = m.dist {
        v.push(Reply::Bulk(distance_text(d)));
    }
    if let Some(h) = m.hash {
        v.push(Reply::Integer(i64::try_from(h).unwrap_or(i64::MAX)));
    }
    if let Some(p) = m.coord {
        v.push(position(c, p));
    }
    Reply::Array(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_written_as_redis_writes_them() {
        assert_eq!(distance_text(0.0), "0.0000");
        assert_eq!(distance_text(166_274.151_6), "166274.1516");
        assert_eq!(distance_text(0.000_06), "0.0001");
        assert_eq!(distance_text(0.000_04), "0.0000");
        assert_eq!(distance_text(-0.000_04), "0.0000");
        assert_eq!(distance_text(0.123_45), "0.1234");
        assert_eq!(distance_text(0.123_55), "0.1236");
        assert_eq!(distance_text(1.0), "1.0000");
        assert_eq!(distance_text(12.5), "12.5000");
        assert_eq!(distance_text(f64::NAN), "-922337203685477.5808");
    }

    #[test]
    fn coordinates_are_written_as_redis_writes_them() {
        assert_eq!(
            coordinate_text(13.361_389_338_970_184),
            "13.36138933897018433"
        );
        assert_eq!(coordinate_text(180.0), "180");
        assert_eq!(coordinate_text(-0.0), "0");
        assert_eq!(coordinate_text(0.5), "0.5");
    }
}
