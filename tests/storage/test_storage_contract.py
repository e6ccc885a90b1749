"""What every adapter must do: the interface of ``codvid.storage.base``."""

from __future__ import annotations

from typing import Any

import pytest

from codvid.storage import DuplicateKeyError, IndexSpec, StorageError, Store

pytestmark = pytest.mark.anyio

PEOPLE = [
    {"_id": "a", "name": "ann", "age": 31, "team": {"id": "red"}, "active": True, "tag": None},
    {"_id": "b", "name": "bob", "age": 25, "team": {"id": "blue"}, "active": False},
    {"_id": "c", "name": "cid", "age": 40, "team": {"id": "red"}, "active": True},
    {"_id": "d", "name": "dee", "age": 25.5, "team": {"id": "green"}, "active": True},
]


async def people(store: Store) -> Store:
    collection = store.collection("people")
    for person in PEOPLE:
        await collection.insert_one(dict(person))
    return store


async def ids(store: Store, filter: dict, **options: Any) -> list[str]:
    found = await store.collection("people").find(filter, **options)
    return [document["_id"] for document in found]


async def test_insert_and_find_round_trip(store: Store) -> None:
    document = {
        "_id": "x1",
        "text": "héllo 🎬 '; DROP TABLE x; --",
        "nested": {"list": [1, 2.5, None, {"k": "v"}], "flag": False},
        "epoch": 1754654044.123,
    }
    await store.collection("things").insert_one(document)
    assert await store.collection("things").find_one({"_id": "x1"}) == document
    assert await store.collection("things").find_one({"_id": "nope"}) is None


async def test_duplicate_id_is_refused(store: Store) -> None:
    await store.collection("things").insert_one({"_id": "same", "v": 1})
    with pytest.raises(DuplicateKeyError):
        await store.collection("things").insert_one({"_id": "same", "v": 2})
    assert (await store.collection("things").find_one({"_id": "same"})) == {"_id": "same", "v": 1}


async def test_insert_needs_a_string_id(store: Store) -> None:
    with pytest.raises(StorageError):
        await store.collection("things").insert_one({"v": 1})


async def test_unique_index(store: Store) -> None:
    await store.ensure_indexes({"accounts": [IndexSpec("email", (("profile.email", 1),), True)]})
    await store.ensure_indexes({"accounts": [IndexSpec("email", (("profile.email", 1),), True)]})
    accounts = store.collection("accounts")
    await accounts.insert_one({"_id": "1", "profile": {"email": "a@x.io"}})
    with pytest.raises(DuplicateKeyError):
        await accounts.insert_one({"_id": "2", "profile": {"email": "a@x.io"}})
    await accounts.insert_one({"_id": "3", "profile": {"email": "b@x.io"}})
    with pytest.raises(DuplicateKeyError):
        await accounts.update_one({"_id": "3"}, {"$set": {"profile.email": "a@x.io"}})
    assert await accounts.count_documents({}) == 2


async def test_compound_unique_index(store: Store) -> None:
    spec = IndexSpec("owner_name", (("user_id", 1), ("name", 1)), unique=True)
    await store.ensure_indexes({"projects": [spec]})
    projects = store.collection("projects")
    await projects.insert_one({"_id": "1", "user_id": "u1", "name": "p"})
    await projects.insert_one({"_id": "2", "user_id": "u2", "name": "p"})
    with pytest.raises(DuplicateKeyError):
        await projects.insert_one({"_id": "3", "user_id": "u1", "name": "p"})


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({}, ["a", "b", "c", "d"]),
        ({"name": "bob"}, ["b"]),
        ({"team.id": "red"}, ["a", "c"]),
        ({"active": True}, ["a", "c", "d"]),
        ({"active": False}, ["b"]),
        ({"age": 25}, ["b"]),
        ({"age": {"$gt": 25}}, ["a", "c", "d"]),
        ({"age": {"$gte": 25, "$lt": 40}}, ["a", "b", "d"]),
        ({"age": {"$lte": 25.5}}, ["b", "d"]),
        ({"name": {"$ne": "ann"}}, ["b", "c", "d"]),
        ({"name": {"$in": ["ann", "dee", "zed"]}}, ["a", "d"]),
        ({"name": {"$in": []}}, []),
        ({"tag": None}, ["a", "b", "c", "d"]),
        ({"tag": {"$exists": True}}, ["a"]),
        ({"team": {"$exists": False}}, []),
        ({"missing.deep": None}, ["a", "b", "c", "d"]),
        ({"_id": {"$in": ["b", "c"]}}, ["b", "c"]),
        ({"team.id": "red", "age": {"$gt": 35}}, ["c"]),
        ({"name": "' OR 1=1 --"}, []),
    ],
)
async def test_filters(store: Store, filter: dict, expected: list[str]) -> None:
    await people(store)
    assert sorted(await ids(store, filter)) == expected
    assert await store.collection("people").count_documents(filter) == len(expected)


async def test_sort_limit_skip(store: Store) -> None:
    await people(store)
    assert await ids(store, {}, sort=[("age", 1), ("_id", 1)]) == ["b", "d", "a", "c"]
    assert await ids(store, {}, sort=[("age", -1)]) == ["c", "a", "d", "b"]
    assert await ids(store, {}, sort=[("age", 1)], limit=2) == ["b", "d"]
    assert await ids(store, {}, sort=[("age", 1)], skip=1, limit=2) == ["d", "a"]
    assert await ids(store, {}, sort=[("age", 1)], skip=3) == ["c"]
    first = await store.collection("people").find_one({"active": True}, sort=[("age", -1)])
    assert first is not None and first["_id"] == "c"


async def test_hostile_field_paths_are_refused(store: Store) -> None:
    collection = store.collection("people")
    for path in ["a') OR 1=1 --", "$where", "a..b", "", "a.$b", "a b"]:
        with pytest.raises(StorageError):
            await collection.find({path: 1})
        with pytest.raises(StorageError):
            await collection.update_one({}, {"$set": {path: 1}})
    with pytest.raises(StorageError):
        store.collection("people; DROP TABLE c_people")


async def test_unsupported_operators_are_refused(store: Store) -> None:
    await people(store)
    with pytest.raises(StorageError):
        await store.collection("people").find({"age": {"$where": "1"}})
    with pytest.raises(StorageError):
        await store.collection("people").update_one({}, {"$push": {"tags": 1}})
    with pytest.raises(StorageError):
        await store.collection("people").update_one({}, {})


async def test_set_inc_unset(store: Store) -> None:
    await people(store)
    collection = store.collection("people")
    matched = await collection.update_one(
        {"_id": "a"},
        {"$set": {"team.id": "gold", "new.deep.field": [1]}, "$inc": {"age": 2, "visits": 1}},
    )
    assert matched == 1
    document = await collection.find_one({"_id": "a"})
    assert document is not None
    assert document["team"] == {"id": "gold"}
    assert document["new"] == {"deep": {"field": [1]}}
    assert document["age"] == 33 and document["visits"] == 1
    await collection.update_one({"_id": "a"}, {"$unset": {"tag": "", "nope.nothing": ""}})
    document = await collection.find_one({"_id": "a"})
    assert document is not None and "tag" not in document
    assert await collection.update_one({"_id": "zzz"}, {"$set": {"x": 1}}) == 0


async def test_inc_on_a_non_number_changes_nothing(store: Store) -> None:
    await people(store)
    collection = store.collection("people")
    with pytest.raises(StorageError):
        await collection.update_one({"_id": "a"}, {"$inc": {"name": 1}, "$set": {"age": 0}})
    document = await collection.find_one({"_id": "a"})
    assert document is not None and document["age"] == 31


async def test_update_many(store: Store) -> None:
    await people(store)
    collection = store.collection("people")
    assert await collection.update_many({"team.id": "red"}, {"$set": {"flag": "x"}}) == 2
    assert sorted(await ids(store, {"flag": "x"})) == ["a", "c"]


async def test_find_one_and_update_returns_before_or_after(store: Store) -> None:
    await people(store)
    collection = store.collection("people")
    after = await collection.find_one_and_update({"_id": "b"}, {"$inc": {"age": 1}})
    assert after is not None and after["age"] == 26
    before = await collection.find_one_and_update(
        {"_id": "b"}, {"$inc": {"age": 1}}, return_after=False
    )
    assert before is not None and before["age"] == 26
    youngest = await collection.find_one_and_update(
        {"active": True}, {"$set": {"picked": True}}, sort=[("age", 1)]
    )
    assert youngest is not None and youngest["_id"] == "d"
    assert await collection.find_one_and_update({"_id": "nope"}, {"$set": {"x": 1}}) is None


async def test_claim_is_won_once(store: Store) -> None:
    collection = store.collection("runs")
    await collection.insert_one({"_id": "t", "owner": None})
    winners = [
        await collection.find_one_and_update(
            {"_id": "t", "owner": None}, {"$set": {"owner": f"worker-{n}"}}
        )
        for n in range(5)
    ]
    assert [w["owner"] for w in winners if w] == ["worker-0"]


async def test_deletes(store: Store) -> None:
    await people(store)
    collection = store.collection("people")
    assert await collection.delete_one({"team.id": "red"}) == 1
    assert await collection.count_documents({"team.id": "red"}) == 1
    assert await collection.delete_many({"active": True}) == 2
    assert await ids(store, {}) == ["b"]
    assert await collection.delete_one({"_id": "nope"}) == 0


async def test_collections_are_separate(store: Store) -> None:
    await store.collection("one").insert_one({"_id": "same"})
    await store.collection("two").insert_one({"_id": "same"})
    await store.collection("one").delete_many({})
    assert await store.collection("two").count_documents({}) == 1


async def test_projection(store: Store) -> None:
    await people(store)
    collection = store.collection("people")
    assert await collection.find_one({"_id": "a"}, projection=["age", "team"]) == {
        "_id": "a",
        "age": 31,
        "team": {"id": "red"},
    }
    assert await collection.find({"active": False}, projection=[]) == [{"_id": "b"}]
    claimed = await collection.find_one_and_update(
        {"_id": "c"}, {"$set": {"name": "cyd"}}, projection=["name"]
    )
    assert claimed == {"_id": "c", "name": "cyd"}


async def test_set_below_a_non_object_changes_nothing(store: Store) -> None:
    await people(store)
    collection = store.collection("people")
    with pytest.raises(StorageError):
        await collection.update_one({"_id": "a"}, {"$set": {"age.years": 1, "name": "x"}})
    assert (await collection.find_one({"_id": "a"})) == PEOPLE[0]
    with pytest.raises(StorageError):
        await collection.update_one({"_id": "a"}, {"$set": {"_id": "z"}})


async def test_same_shape_filters_with_other_values(store: Store) -> None:
    """Filters that differ only in values (the SQL adapter reuses their text) still
    answer for their own values, nulls and ``$in`` sizes included."""
    await people(store)
    assert await ids(store, {"name": "ann"}) == ["a"]
    assert await ids(store, {"name": "bob"}) == ["b"]
    assert sorted(await ids(store, {"name": {"$in": ["ann", "bob"]}})) == ["a", "b"]
    assert await ids(store, {"name": {"$in": ["cid"]}}) == ["c"]
    assert sorted(await ids(store, {"name": {"$in": ["cid", None]}})) == ["c"]
    assert await ids(store, {"tag": None, "name": "ann"}) == ["a"]
    assert await ids(store, {"tag": {"$ne": None}}) == []
