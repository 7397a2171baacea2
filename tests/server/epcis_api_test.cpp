// tests/server/epcis_api_test.cpp — issue 12 §3 against the real server: every GS1
// example (../shared/data/epcis, read in place) is captured and round-trips, capture
// jobs, each query parameter, paging through Link, re-capture is a no-op, conflicting
// re-capture and invalid documents store nothing, the inclusion proof of a captured
// event verifies, the engine's own movements are ObjectEvents, kill -9 after the 202
// keeps the events and the job, roles.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/bytes.hpp"
#include "journal/merkle.hpp"
#include "server_fixture.hpp"

namespace {

const std::filesystem::path kEpcisDir = std::filesystem::path(LIVECHAIN_SHARED_DATA_DIR) / "epcis";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::filesystem::path> examples() {
  std::vector<std::filesystem::path> out;
  if (!std::filesystem::exists(kEpcisDir)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(kEpcisDir)) {
    if (entry.path().extension() == ".jsonld") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string url_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

json::array given_events(const json::value& document) {
  const json::object& body = document.at("epcisBody").as_object();
  return body.contains("eventList")
             ? body.at("eventList").as_array()
             : body.at("queryResults").at("resultsBody").at("eventList").as_array();
}

json::array event_list(const HttpResponse& r) {
  json::value document = parse_json(r.body);
  if (!document.is_object()) return {};
  return document.at("epcisBody").at("queryResults").at("resultsBody").at("eventList").as_array();
}

const char* kDoc =
    R"({"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
  "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-12-07T00:00:00Z",
  "epcisBody":{"eventList":[%EVENTS%]}})";

std::string document_of(const std::string& events) {
  std::string doc = kDoc;
  return doc.replace(doc.find("%EVENTS%"), 8, events);
}

class EpcisApiTest : public ServerApiTest {
 protected:
  HttpResponse capture(const std::string& body, const std::string& role = "warehouse") {
    return call(role, "POST", "/epcis/v2/capture", body, "application/ld+json");
  }
  // Captures and checks the job: 202, Location, the job finished with success.
  json::object capture_ok(const std::string& body) {
    HttpResponse r = capture(body);
    EXPECT_EQ(r.status, 202u) << describe(r);
    std::string location = r.header("Location");
    EXPECT_TRUE(location.starts_with("/epcis/v2/capture/")) << location;
    HttpResponse job = call("auditor", "GET", location);
    EXPECT_EQ(job.status, 200u) << describe(job);
    json::object out = parse_object(job.body);
    EXPECT_EQ(str(out, "captureID"), location.substr(std::string("/epcis/v2/capture/").size()));
    EXPECT_FALSE(out.at("running").as_bool());
    EXPECT_TRUE(out.at("success").as_bool());
    EXPECT_TRUE(out.at("errors").as_array().empty());
    return out;
  }
  uint64_t tree_size() {
    return static_cast<uint64_t>(
        num(parse_object(call("auditor", "GET", "/v1/ledger/head").body), "tree_size"));
  }
  HttpResponse events(const std::string& query) {
    return call("auditor", "GET", "/epcis/v2/events" + query);
  }
  std::vector<std::string> ids_of(const HttpResponse& r) {
    std::vector<std::string> out;
    for (const json::value& e : event_list(r)) out.push_back(str(e.as_object(), "eventID"));
    return out;
  }
  // Captures every example; returns the events each file holds (eventID filled in).
  std::vector<json::object> capture_examples() {
    std::vector<json::object> all;
    for (const auto& file : examples()) {
      std::string text = read_file(file);
      json::object job = capture_ok(text);
      json::array given = given_events(parse_json(text));
      EXPECT_EQ(num(job, "eventCount"), static_cast<int64_t>(given.size())) << file;
      for (const json::value& e : given) all.push_back(e.as_object());
    }
    return all;
  }
};

TEST_F(EpcisApiTest, EveryExampleRoundTripsAndReCaptureIsANoOp) {
  if (examples().empty()) GTEST_SKIP() << "no EPCIS examples in " << kEpcisDir;
  ASSERT_EQ(examples().size(), 19u);
  std::vector<json::object> given = capture_examples();
  ASSERT_FALSE(HasFailure());
  size_t without_id = 0;
  for (const json::object& event : given) {
    std::string id = str(event, "eventID");
    if (id.empty()) {
      ++without_id;
      continue;
    }
    HttpResponse r = call("auditor", "GET", "/epcis/v2/events/" + url_encode(id));
    ASSERT_EQ(r.status, 200u) << describe(r);
    json::array list = event_list(r);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0], json::value(event)) << id;  // kept as given
  }
  EXPECT_EQ(without_id, 3u);  // the two rail TransactionEvents and SensorDataExample9
  // Events without an eventID got their canonical hash, and are found by it.
  HttpResponse rail = events("?eventType=TransactionEvent&EQ_bizStep=transporting");
  ASSERT_EQ(rail.status, 200u) << describe(rail);
  std::vector<std::string> rail_ids = ids_of(rail);
  ASSERT_EQ(rail_ids.size(), 1u);
  EXPECT_TRUE(rail_ids[0].starts_with("ni:///sha-256;")) << rail_ids[0];
  EXPECT_EQ(call("auditor", "GET", "/epcis/v2/events/" + url_encode(rail_ids[0])).status, 200u);

  // Documents can be re-sent: nothing new is journaled.
  uint64_t before = tree_size();
  for (const auto& file : examples()) {
    json::object job = capture_ok(read_file(file));
    EXPECT_EQ(num(job, "storedCount"), 0) << file;
    EXPECT_EQ(num(job, "duplicateCount"), num(job, "eventCount")) << file;
  }
  EXPECT_EQ(tree_size(), before);
}

TEST_F(EpcisApiTest, QueryParametersAndPaging) {
  if (examples().empty()) GTEST_SKIP() << "no EPCIS examples in " << kEpcisDir;
  std::vector<json::object> given = capture_examples();
  ASSERT_FALSE(HasFailure());
  auto count = [&](const std::string& query) {
    HttpResponse r = events(query);
    EXPECT_EQ(r.status, 200u) << query << ": " << describe(r);
    EXPECT_EQ(r.header("GS1-EPCIS-Version"), "2.0.0");
    size_t n = 0;
    for (const json::value& e : event_list(r)) {
      // Captured events only (the seeded receipts are ObjectEvents too).
      if (!e.as_object().contains("livechain:journalSeq")) ++n;
    }
    return n;
  };
  // Events stored: one per eventID (9.6.1's events recur in three files).
  auto given_count = [&](auto predicate) {
    std::set<std::string> ids;
    size_t without_id = 0;
    for (const json::object& e : given) {
      if (!predicate(e)) continue;
      if (e.contains("eventID")) {
        ids.insert(str(e, "eventID"));
      } else {
        ++without_id;
      }
    }
    return ids.size() + without_id;
  };
  const std::string q = "&perPage=1000";
  EXPECT_EQ(count("?eventType=AggregationEvent" + q), given_count([](const json::object& e) {
              return str(e, "type") == "AggregationEvent";
            }));
  EXPECT_EQ(count("?eventType=TransformationEvent,AssociationEvent" + q), 3u);
  // bizStep: CBV short name, web URI and URN all match.
  size_t shipping = count("?EQ_bizStep=shipping" + q);
  EXPECT_GT(shipping, 0u);
  EXPECT_EQ(count("?EQ_bizStep=https%3A%2F%2Fref.gs1.org%2Fcbv%2FBizStep-shipping" + q), shipping);
  EXPECT_EQ(count("?EQ_bizStep=urn%3Aepcglobal%3Acbv%3Abizstep%3Ashipping" + q), shipping);
  EXPECT_EQ(count("?EQ_disposition=in_transit&EQ_bizStep=shipping" + q),
            given_count([](const json::object& e) {
              return str(e, "bizStep") == "shipping" && str(e, "disposition") == "in_transit";
            }));
  // 9.6.1 (2 events), its corrected shipping event, 9.6.3 and the all-fields TransactionEvent.
  EXPECT_EQ(count("?MATCH_epc=urn%3Aepc%3Aid%3Asgtin%3A0614141.107346.2018" + q), 5u);
  // The same item written as Digital Link finds the same events (GS1 identifiers are
  // indexed in their canonical form too), and a class URN its Digital Link form.
  EXPECT_EQ(count("?MATCH_epc=https%3A%2F%2Fid.gs1.org%2F01%2F10614141073464%2F21%2F2018" + q), 5u);
  const size_t lgtin = count("?MATCH_epcClass=urn%3Aepc%3Aclass%3Algtin%3A4012345.011111.4444" + q);
  EXPECT_GT(lgtin, 0u);
  EXPECT_EQ(count("?MATCH_epcClass=https%3A%2F%2Fid.gs1.org%2F01%2F04012345111118%2F10%2F4444" + q),
            lgtin);
  EXPECT_EQ(count("?MATCH_epc=urn%3Aepc%3Aid%3Asgtin%3A0614141.107346.2018" + q),
            given_count([](const json::object& e) {
              if (str(e, "parentID") == "urn:epc:id:sgtin:0614141.107346.2018") return true;
              for (const char* list : {"epcList", "childEPCs", "inputEPCList", "outputEPCList"}) {
                if (!e.contains(list)) continue;
                for (const json::value& epc : e.at(list).as_array()) {
                  if (epc == "urn:epc:id:sgtin:0614141.107346.2018") return true;
                }
              }
              return false;
            }));
  EXPECT_EQ(
      count("?EQ_bizLocation=urn%3Aepc%3Aid%3Asgln%3A0012345.11111.0&EQ_bizStep=receiving" + q),
      given_count([](const json::object& e) {
        return e.contains("bizLocation") &&
               str(e.at("bizLocation").as_object(), "id") == "urn:epc:id:sgln:0012345.11111.0" &&
               str(e, "bizStep") == "receiving";
      }));
  EXPECT_EQ(count("?EQ_readPoint=urn%3Aepc%3Aid%3Asgln%3A0614141.07346.1234&EQ_action=OBSERVE" + q),
            given_count([](const json::object& e) {
              return e.contains("readPoint") &&
                     str(e.at("readPoint").as_object(), "id") ==
                         "urn:epc:id:sgln:0614141.07346.1234" &&
                     str(e, "action") == "OBSERVE";
            }));
  EXPECT_GT(count("?MATCH_epcClass=urn%3Aepc%3Aclass%3Algtin%3A4012345.012345.998877" + q), 0u);
  // Times: 9.6.1's events are on 2005-04-04 and 2005-04-05 (UTC).
  size_t day1 = count("?GE_eventTime=2005-04-04T00:00:00Z&LT_eventTime=2005-04-05T00:00:00Z" + q);
  size_t day2 = count("?GE_eventTime=2005-04-05T00:00:00Z&LT_eventTime=2005-04-06T00:00:00Z" + q);
  EXPECT_GT(day1, 0u);
  EXPECT_GT(day2, 0u);
  EXPECT_EQ(count("?GE_eventTime=2005-04-04T00:00:00Z&LT_eventTime=2005-04-06T00:00:00Z" + q),
            day1 + day2);
  EXPECT_EQ(
      count("?GE_eventTime=2005-04-03T19:00:00-05:00&LT_eventTime=2005-04-04T19:00:00-05:00" + q),
      day1);

  // Paging: perPage=4 walks every event once, in order, through Link rel="next".
  std::set<std::string> seen;
  std::string target = "/epcis/v2/events?perPage=4";
  size_t pages = 0;
  while (!target.empty()) {
    HttpResponse r = call("auditor", "GET", target);
    ASSERT_EQ(r.status, 200u) << describe(r);
    std::vector<std::string> ids = ids_of(r);
    EXPECT_LE(ids.size(), 4u);
    for (const std::string& id : ids) EXPECT_TRUE(seen.insert(id).second) << "twice: " << id;
    std::string link = r.header("Link");
    target.clear();
    if (!link.empty()) {
      ASSERT_TRUE(link.ends_with(">; rel=\"next\"")) << link;
      target = link.substr(1, link.find('>') - 1);
    }
    ASSERT_LT(++pages, 100u);
  }
  HttpResponse all = events("?perPage=1000");
  EXPECT_EQ(seen.size(), ids_of(all).size());
  EXPECT_TRUE(all.header("Link").empty());

  // Bad parameters name themselves.
  auto refused = [&](const std::string& query, const std::string& field) {
    HttpResponse r = events(query);
    EXPECT_EQ(r.status, 400u) << query << ": " << describe(r);
    json::object problem = parse_object(r.body);
    EXPECT_EQ(str(problem, "type"), "epcisException:QueryParameterException") << r.body;
    EXPECT_EQ(str(problem, "field"), field) << r.body;
  };
  refused("?GE_eventTime=yesterday", "GE_eventTime");
  refused("?perPage=0", "perPage");
  refused("?perPage=1001", "perPage");
  refused("?EQ_colour=red", "EQ_colour");
  refused("?nextPageToken=abc", "nextPageToken");
}

TEST_F(EpcisApiTest, ConflictingOrInvalidDocumentsStoreNothing) {
  const std::string event =
      R"({"type":"ObjectEvent","eventID":"urn:uuid:6f2e1b0c-1111-4c3d-9a2e-000000000001",
          "eventTime":"2026-12-07T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE",
          "epcList":["urn:epc:id:sgtin:0614141.107346.1"],"bizStep":"shipping"})";
  capture_ok(document_of(event));
  ASSERT_FALSE(HasFailure());
  const uint64_t size = tree_size();
  // Same eventID, other content: refused, naming it; the new event of the document is
  // not stored either.
  std::string changed = event;
  changed.replace(changed.find("shipping"), 8, "receiving");
  const std::string fresh =
      R"({"type":"ObjectEvent","eventID":"urn:uuid:6f2e1b0c-1111-4c3d-9a2e-000000000002",
          "eventTime":"2026-12-07T09:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE"})";
  HttpResponse conflict = capture(document_of(fresh + "," + changed));
  ASSERT_EQ(conflict.status, 409u) << describe(conflict);
  EXPECT_EQ(str(parse_object(conflict.body), "field"), "epcisBody.eventList[1].eventID");
  EXPECT_EQ(conflict.media_type(), "application/problem+json");
  EXPECT_EQ(tree_size(), size);
  EXPECT_EQ(
      call("auditor", "GET", "/epcis/v2/events/urn%3Auuid%3A6f2e1b0c-1111-4c3d-9a2e-000000000002")
          .status,
      404u);
  // The same content in another member order and spacing is the same event.
  json::object reordered = parse_object(event);
  json::object flipped;
  for (auto it = reordered.end(); it != reordered.begin();) {
    --it;
    flipped[it->key()] = it->value();
  }
  json::object again = capture_ok(document_of(json::serialize(flipped)));
  EXPECT_EQ(num(again, "storedCount"), 0);
  EXPECT_EQ(tree_size(), size);

  // Invalid documents: 400 naming the field, nothing stored.
  struct Case {
    std::string body;
    std::string field;
  };
  std::string bad_time = fresh;
  bad_time.replace(bad_time.find("2026-12-07T09:00:00Z"), 20, "2026-13-07T09:00:00Z");
  for (
      const Case& c : std::vector<Case>{
          {"not json", "body"},
          {document_of(fresh + "," + bad_time), "epcisBody.eventList[1].eventTime"},
          {document_of(R"({"type":"ObjectEvent"})"), "epcisBody.eventList[0].eventTime"},
          {R"({"@context":"x","type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-12-07T00:00:00Z"})",
           "epcisBody"},
      }) {
    HttpResponse r = capture(c.body);
    EXPECT_EQ(r.status, 400u) << describe(r);
    json::object problem = parse_object(r.body);
    EXPECT_EQ(str(problem, "type"), "epcisException:ValidationException") << r.body;
    EXPECT_EQ(str(problem, "field"), c.field) << r.body;
  }
  EXPECT_EQ(tree_size(), size);
  // Limits: events per document.
  std::string many;
  for (int i = 0; i <= 1000; ++i) many += (i ? "," : "") + fresh;
  HttpResponse too_many = capture(document_of(many));
  EXPECT_EQ(too_many.status, 413u) << describe(too_many);
  EXPECT_EQ(str(parse_object(too_many.body), "field"), "epcisBody.eventList");
  // Body bytes.
  HttpResponse too_big = capture(std::string(4 * 1024 * 1024 + 1, ' '));
  EXPECT_EQ(too_big.status, 413u) << describe(too_big);
  EXPECT_EQ(tree_size(), size);
  // Roles: the auditor reads, may not capture; an unknown job is 404.
  EXPECT_EQ(capture(document_of(fresh), "auditor").status, 403u);
  EXPECT_EQ(call("auditor", "GET", "/epcis/v2/capture/nope").status, 404u);
  // Problems outside the EPCIS exceptions keep the server's own type (403 here).
  EXPECT_TRUE(IsProblem(capture(document_of(fresh), "supplier"), 403, std::nullopt));
  EXPECT_EQ(tree_size(), size);
}

TEST_F(EpcisApiTest, ACapturedEventIsAJournalLeafWithAVerifiedInclusionProof) {
  const std::string event =
      R"({"type":"ObjectEvent","eventTime":"2026-12-07T08:00:00.5+08:00","eventTimeZoneOffset":"+08:00",
          "action":"OBSERVE","epcList":["https://id.gs1.org/01/09506000134352/21/7"],
          "example:note":"no eventID"})";
  std::string doc = document_of(event);
  doc.replace(doc.find("\"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld\""), 0,
              R"({"example":"https://ns.example.com/epcis/"},)");
  capture_ok(doc);
  HttpResponse list = events("?MATCH_epc=https%3A%2F%2Fid.gs1.org%2F01%2F09506000134352%2F21%2F7");
  ASSERT_EQ(list.status, 200u) << describe(list);
  std::vector<std::string> ids = ids_of(list);
  ASSERT_EQ(ids.size(), 1u);
  // The prefix it was captured with comes back in the query document's @context.
  EXPECT_NE(list.body.find("https://ns.example.com/epcis/"), std::string::npos) << list.body;
  HttpResponse one = call("auditor", "GET", "/epcis/v2/events/" + url_encode(ids[0]));
  ASSERT_EQ(one.status, 200u);
  uint64_t seq = std::stoull(one.header("Livechain-Journal-Seq"));
  EXPECT_NE(one.header("Link").find("/v1/ledger/proof/inclusion?seq=" + std::to_string(seq)),
            std::string::npos);
  HttpResponse leaf = call("auditor", "GET", "/v1/ledger/events/" + std::to_string(seq));
  ASSERT_EQ(leaf.status, 200u) << describe(leaf);
  json::object leaf_json = parse_object(leaf.body);
  EXPECT_EQ(str(leaf_json, "kind"), "epcis_captured");
  EXPECT_NE(leaf.body.find(ids[0]), std::string::npos);
  HttpResponse head = call("auditor", "GET", "/v1/ledger/head");
  json::object head_json = parse_object(head.body);
  HttpResponse proof =
      call("auditor", "GET", "/v1/ledger/proof/inclusion?seq=" + std::to_string(seq));
  ASSERT_EQ(proof.status, 200u) << describe(proof);
  json::object p = parse_object(proof.body);
  auto hash = [](std::string_view hex) {
    livechain::journal::Hash out{};
    auto bytes = livechain::from_hex(hex);
    EXPECT_TRUE(bytes && bytes->size() == out.size()) << hex;
    if (bytes && bytes->size() == out.size()) std::copy(bytes->begin(), bytes->end(), out.begin());
    return out;
  };
  std::vector<livechain::journal::Hash> path;
  for (const json::value& h : p.at("proof").as_array()) path.push_back(hash(h.as_string()));
  EXPECT_EQ(str(p, "leaf_hash"), str(leaf_json, "leaf_hash"));
  EXPECT_TRUE(livechain::journal::verify_inclusion(seq, static_cast<uint64_t>(num(p, "tree_size")),
                                                   hash(str(p, "leaf_hash")), path,
                                                   hash(str(p, "root"))));
  EXPECT_EQ(str(p, "root"), str(head_json, "root"));
}

TEST_F(EpcisApiTest, EngineMovementsAreObjectEvents) {
  // The fixture received stock at dc-east and dc-west; ship and receive a transfer.
  HttpResponse ship =
      admin("POST", "/v1/transfers",
            json::serialize(
                json::object{{"sku", kSkuA}, {"from", "dc-east"}, {"to", "dc-west"}, {"qty", 3}}));
  ASSERT_LT(ship.status, 300u) << describe(ship);
  const std::string klass = "https%3A%2F%2Fid.gs1.org%2F01%2F" + g14(kSkuA);
  HttpResponse receipts = events("?EQ_bizStep=receiving&MATCH_epcClass=" + klass +
                                 "&EQ_bizLocation=urn%3Alivechain%3Alocation%3Adc-east");
  ASSERT_EQ(receipts.status, 200u) << describe(receipts);
  json::array list = event_list(receipts);
  ASSERT_FALSE(list.empty()) << receipts.body;
  const json::object& receipt = list[0].as_object();
  EXPECT_EQ(str(receipt, "type"), "ObjectEvent");
  EXPECT_EQ(str(receipt, "action"), "ADD");
  EXPECT_EQ(str(receipt.at("quantityList").at(0).as_object(), "epcClass"),
            "https://id.gs1.org/01/" + g14(kSkuA));
  HttpResponse shipped = events("?EQ_bizStep=shipping&MATCH_epcClass=" + klass);
  json::array shipments = event_list(shipped);
  ASSERT_EQ(shipments.size(), 1u) << shipped.body;
  EXPECT_EQ(num(shipments[0].at("quantityList").at(0).as_object(), "quantity"), 3);
  EXPECT_EQ(str(shipments[0].at("bizLocation").as_object(), "id"),
            "urn:livechain:location:dc-east");
  EXPECT_EQ(str(shipments[0].as_object(), "disposition"), "in_transit");
  EXPECT_EQ(str(shipments[0].at("destinationList").at(0).as_object(), "destination"),
            "urn:livechain:location:dc-west");

  // Its receipt at the destination, a sale and a return complete the unit's history.
  const int64_t transfer_id = num(parse_object(ship.body), "transfer_id");
  HttpResponse received =
      admin("POST", "/v1/transfers/" + std::to_string(transfer_id) + "/receive", "{}");
  ASSERT_LT(received.status, 300u) << describe(received);
  json::object reservation = reserve_ok("o-epcis-1", {{kSkuA, 2, "dc-west"}});
  HttpResponse committed = admin(
      "POST", "/v1/reservations/" + std::to_string(num(reservation, "reservation_id")) + "/commit");
  ASSERT_EQ(committed.status, 200u) << describe(committed);
  HttpResponse returned =
      admin("POST", "/v1/returns",
            json::serialize(json::object{
                {"sku", kSkuA}, {"location", "dc-west"}, {"qty", 1}, {"reason", "damaged"}}));
  ASSERT_LT(returned.status, 300u) << describe(returned);
  auto one = [&](const std::string& query) {
    json::array found = event_list(events(query + "&MATCH_epcClass=" + klass));
    EXPECT_EQ(found.size(), 1u) << query;
    return found.empty() ? json::object() : found[0].as_object();
  };
  json::object arrival =
      one("?EQ_bizStep=receiving&EQ_bizLocation=urn%3Alivechain%3Alocation%3Adc-west&EQ_"
          "disposition=in_progress&EQ_action=OBSERVE");
  EXPECT_EQ(num(arrival.at("quantityList").at(0).as_object(), "quantity"), 3);
  json::object sale = one("?EQ_bizStep=retail_selling");
  EXPECT_EQ(str(sale, "disposition"), "retail_sold");
  EXPECT_EQ(num(sale.at("quantityList").at(0).as_object(), "quantity"), 2);
  EXPECT_EQ(str(sale.at("bizLocation").as_object(), "id"), "urn:livechain:location:dc-west");
  json::object back = one("?EQ_disposition=returned");
  EXPECT_EQ(num(back.at("quantityList").at(0).as_object(), "quantity"), 1);
  // Each is a journal leaf's view: its eventID is its canonical hash, found by itself.
  std::string id = str(sale, "eventID");
  EXPECT_TRUE(id.starts_with("ni:///sha-256;")) << id;
  EXPECT_EQ(call("auditor", "GET", "/epcis/v2/events/" + url_encode(id)).status, 200u);
}

TEST_F(EpcisApiTest, KillNineAfterTheAnswerKeepsEventsAndJob) {
  const std::string event =
      R"({"type":"ObjectEvent","eventID":"urn:uuid:6f2e1b0c-2222-4c3d-9a2e-000000000001",
          "eventTime":"2026-12-07T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE",
          "epcList":["urn:epc:id:sgtin:0614141.107346.99"]})";
  HttpResponse r = capture(document_of(event));
  ASSERT_EQ(r.status, 202u) << describe(r);
  std::string location = r.header("Location");
  server_.kill_and_reap();  // SIGKILL: no shutdown work at all
  ASSERT_NO_FATAL_FAILURE(start_server());
  HttpResponse job = call("auditor", "GET", location);
  ASSERT_EQ(job.status, 200u) << describe(job);
  EXPECT_TRUE(parse_object(job.body).at("success").as_bool());
  HttpResponse one =
      call("auditor", "GET", "/epcis/v2/events/urn%3Auuid%3A6f2e1b0c-2222-4c3d-9a2e-000000000001");
  ASSERT_EQ(one.status, 200u) << describe(one);
  // A deleted index is rebuilt from the journal at start.
  ASSERT_EQ(stop_server(), 0);
  std::filesystem::remove(db_ + ".epcis");
  std::filesystem::remove(db_ + ".epcis-wal");
  std::filesystem::remove(db_ + ".epcis-shm");
  ASSERT_NO_FATAL_FAILURE(start_server());
  EXPECT_EQ(
      call("auditor", "GET", "/epcis/v2/events/urn%3Auuid%3A6f2e1b0c-2222-4c3d-9a2e-000000000001")
          .status,
      200u);
}

}  // namespace
