// src/planning/formulas_gsm.cpp — guaranteed-service models (FoSCT ch. 6): the serial DP of
// Inderfurth (1991) and the tree DP of Graves & Willems (2000), walked as stockpyl's
// gsm_serial.py and gsm_tree.py walk them (same labelling, same ranges, ties to the
// smallest service time), so alternative optima resolve the same way.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "planning/formulas.hpp"

namespace livechain::planning {

GsmSerial gsm_serial(const std::vector<GsmSerialStage>& stages, double demand_bound_constant,
                     std::int64_t external_inbound_cst, std::int64_t external_outbound_cst,
                     double demand_sd) {
  const std::size_t N = stages.size();
  auto T = [&](std::size_t k) { return stages[k - 1].processing_time; };
  auto h = [&](std::size_t k) { return stages[k - 1].local_holding_cost; };
  // Max replenishment time of k: SI_N + Σ_{i=k}^{N} T_i.
  std::vector<std::int64_t> M(N + 2, 0);
  for (std::size_t k = N; k >= 1; --k) M[k] = (k == N ? external_inbound_cst : M[k + 1]) + T(k);
  const double scale = demand_bound_constant * demand_sd;
  // theta[k][SI] = min cost of stages k, …, 1 given inbound CST SI at k; best_S the argmin.
  std::vector<std::vector<double>> theta(N + 1);
  std::vector<std::vector<std::int64_t>> best_S(N + 1);
  for (std::size_t k = 1; k <= N; ++k) {
    std::int64_t SI_hi = k == N ? external_inbound_cst : M[k] - T(k);
    theta[k].assign(SI_hi + 1, std::numeric_limits<double>::infinity());
    best_S[k].assign(SI_hi + 1, 0);
    std::int64_t SI_lo = k == N ? external_inbound_cst : 0;
    for (std::int64_t SI = SI_lo; SI <= SI_hi; ++SI) {
      if (k == 1) {
        double nrt = std::max<std::int64_t>(0, SI + T(k) - external_outbound_cst);
        theta[k][SI] = h(k) * scale * std::sqrt(static_cast<double>(nrt));
        best_S[k][SI] = external_outbound_cst;
        continue;
      }
      double min_cost = std::numeric_limits<double>::infinity();
      for (std::int64_t S = 0; S <= SI + T(k); ++S) {
        double cost =
            h(k) * scale * std::sqrt(static_cast<double>(SI + T(k) - S)) + theta[k - 1][S];
        if (cost < min_cost) {
          min_cost = cost;
          best_S[k][SI] = S;
        }
      }
      theta[k][SI] = min_cost;
    }
  }
  GsmSerial result{std::vector<std::int64_t>(N + 1, 0), theta[N][external_inbound_cst]};
  std::int64_t SI = external_inbound_cst;
  for (std::size_t k = N; k >= 1; --k) {
    result.cst[k] = best_S[k][SI];
    SI = result.cst[k];
  }
  return result;
}

namespace {

constexpr std::int64_t kGsmBigInt = std::numeric_limits<std::int32_t>::max();
constexpr double kGsmInf = std::numeric_limits<double>::infinity();

// One node of the relabelled tree (index = DP label).
struct GsmTreeNodeState {
  std::int64_t T, si, so;  // processing time, external inbound / outbound CST
  double h, z, sigma;
  std::vector<std::size_t> preds, succs;
  std::int64_t M = 0;  // max replenishment time
  std::size_t larger = 0;
  bool larger_is_downstream = false;
  std::vector<double> theta;  // theta_out (by S) or theta_in (by SI), up to max_max
  // best[x][i]: the CST chosen for node i (itself: SI or S; neighbours: S or SI).
  std::vector<std::map<std::size_t, std::int64_t>> best;
  std::vector<std::int64_t> prefix_arg, suffix_arg;  // see GsmTreeSolver::finish
};

struct GsmTreeSolver {
  std::vector<GsmTreeNodeState> nodes;  // by label 0..n-1
  std::int64_t max_max = 0;

  // c_k(S, SI): node k's holding cost plus the best partial costs of its lower-labelled
  // neighbours (upstream: min over S2 ≤ SI of θ_out; downstream: min over SI2 ≥ S of θ_in,
  // each taken at its first, i.e. smallest, argmin).
  double c(std::size_t k, std::int64_t S, std::int64_t SI) const {
    const GsmTreeNodeState& node = nodes[k];
    double cost = node.h * node.z * node.sigma * std::sqrt(static_cast<double>(SI + node.T - S));
    for (std::size_t i : node.preds) {
      if (i < k) cost += nodes[i].theta[nodes[i].prefix_arg[SI]];
    }
    for (std::size_t j : node.succs) {
      if (j < k) cost += nodes[j].theta[nodes[j].suffix_arg[S]];
    }
    return cost;
  }

  void keep(std::size_t k, std::int64_t x, double& min_cost, std::int64_t S, std::int64_t SI,
            std::int64_t own) {
    double cost = c(k, S, SI);
    if (!(cost < min_cost)) return;
    min_cost = cost;
    GsmTreeNodeState& node = nodes[k];
    std::map<std::size_t, std::int64_t>& best = node.best[x];
    best.clear();
    for (std::size_t i : node.preds) {
      if (i < k) best[i] = nodes[i].prefix_arg[SI];
    }
    for (std::size_t j : node.succs) {
      if (j < k) best[j] = nodes[j].suffix_arg[S];
    }
    best[k] = own;
  }

  // First argmins of θ over [0, x] and [x, max_max], for the larger neighbour's c.
  void finish(std::size_t k) {
    GsmTreeNodeState& node = nodes[k];
    node.prefix_arg.assign(max_max + 1, 0);
    node.suffix_arg.assign(max_max + 1, max_max);
    for (std::int64_t x = 1; x <= max_max; ++x) {
      std::int64_t previous = node.prefix_arg[x - 1];
      node.prefix_arg[x] = node.theta[x] < node.theta[previous] ? x : previous;
    }
    for (std::int64_t x = max_max - 1; x >= 0; --x) {
      std::int64_t next = node.suffix_arg[x + 1];
      node.suffix_arg[x] = node.theta[x] <= node.theta[next] ? x : next;
    }
  }

  void theta_out(std::size_t k) {
    GsmTreeNodeState& node = nodes[k];
    for (std::int64_t S = 0; S <= node.M; ++S) {
      double min_cost = kGsmInf;
      if (S <= node.so) {
        std::int64_t local_S = std::min(S, node.so);
        for (std::int64_t SI = std::max(node.si, local_S - node.T); SI <= node.M - node.T; ++SI) {
          keep(k, S, min_cost, local_S, SI, SI);
        }
      }
      node.theta[S] = min_cost;
    }
    for (std::int64_t S = node.M + 1; S <= max_max; ++S) {
      node.theta[S] = node.theta[node.M];
      node.best[S] = node.best[node.M];
    }
  }

  void theta_in(std::size_t k) {
    GsmTreeNodeState& node = nodes[k];
    const std::int64_t top = node.M - node.T;
    for (std::int64_t SI = 0; SI <= top; ++SI) {
      double min_cost = kGsmInf;
      std::int64_t local_SI = std::max(SI, node.si);
      for (std::int64_t S = 0; S <= std::min(local_SI + node.T, node.so); ++S) {
        keep(k, SI, min_cost, S, local_SI, S);
      }
      node.theta[SI] = min_cost;
    }
    for (std::int64_t SI = top + 1; SI <= max_max; ++SI) {
      node.theta[SI] = node.theta[top];
      node.best[SI] = node.best[top];
    }
  }
};

Result<std::int64_t> gsm_best_lookup(const GsmTreeNodeState& node, std::int64_t x,
                                     std::size_t who) {
  if (x < 0 || x >= static_cast<std::int64_t>(node.best.size())) {
    return fail(ErrorCode::invalid_argument, "inputs.nodes", "no feasible service times");
  }
  auto it = node.best[x].find(who);
  if (it == node.best[x].end()) {
    return fail(ErrorCode::invalid_argument, "inputs.nodes", "no feasible service times");
  }
  return it->second;
}

}  // namespace

namespace {

// The tree as adjacency lists over positions in the input.
struct GsmTreeGraph {
  std::map<std::int64_t, std::size_t> position;  // id → position in the input
  std::vector<std::vector<std::size_t>> preds, succs;
};

// Errors: invalid_argument "inputs.nodes" (repeated ids) or "inputs.edges" (unknown node,
// self-loop, not n−1 edges or not connected).
Result<GsmTreeGraph> gsm_tree_graph(
    const std::vector<GsmTreeNode>& input,
    const std::vector<std::pair<std::int64_t, std::int64_t>>& edges) {
  const std::size_t n = input.size();
  GsmTreeGraph graph{
      {}, std::vector<std::vector<std::size_t>>(n), std::vector<std::vector<std::size_t>>(n)};
  for (std::size_t i = 0; i < n; ++i) graph.position[input[i].id] = i;
  if (graph.position.size() != n) {
    return fail(ErrorCode::invalid_argument, "inputs.nodes", "node ids must be distinct");
  }
  for (auto [from, to] : edges) {
    auto a = graph.position.find(from), b = graph.position.find(to);
    if (a == graph.position.end() || b == graph.position.end() || from == to) {
      return fail(ErrorCode::invalid_argument, "inputs.edges",
                  "edge [" + std::to_string(from) + ", " + std::to_string(to) +
                      "] names an unknown node or a self-loop");
    }
    graph.succs[a->second].push_back(b->second);
    graph.preds[b->second].push_back(a->second);
  }
  // A tree: n−1 edges and connected (then acyclic as an undirected graph).
  std::vector<bool> seen(n, false);
  std::vector<std::size_t> stack{0};
  seen[0] = true;
  std::size_t reached = 1;
  while (!stack.empty()) {
    std::size_t v = stack.back();
    stack.pop_back();
    for (const auto* list : {&graph.preds[v], &graph.succs[v]}) {
      for (std::size_t w : *list) {
        if (!seen[w]) {
          seen[w] = true;
          ++reached;
          stack.push_back(w);
        }
      }
    }
  }
  if (edges.size() + 1 != n || reached != n) {
    return fail(ErrorCode::invalid_argument, "inputs.edges",
                "the edges must form a tree over the nodes (n-1 edges, connected)");
  }
  return graph;
}

// Net demand variance (the demand nodes at or below each node) and max replenishment time
// M (longest SI_source + Σ T along a path into the node), in topological order.
void gsm_tree_net_demand(const std::vector<GsmTreeNode>& input, const GsmTreeGraph& graph,
                         std::vector<double>& variance, std::vector<std::int64_t>& M) {
  const std::size_t n = input.size();
  std::vector<std::size_t> order;
  std::vector<std::size_t> indegree(n);
  for (std::size_t i = 0; i < n; ++i) {
    indegree[i] = graph.preds[i].size();
    if (indegree[i] == 0) order.push_back(i);
  }
  for (std::size_t head = 0; head < order.size(); ++head) {
    for (std::size_t w : graph.succs[order[head]]) {
      if (--indegree[w] == 0) order.push_back(w);
    }
  }
  variance.assign(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) variance[i] = std::pow(input[i].demand_sd.value_or(0.0), 2);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    for (std::size_t pred : graph.preds[*it]) variance[pred] += variance[*it];
  }
  M.assign(n, 0);
  for (std::size_t v : order) {
    std::int64_t si = input[v].external_inbound_cst.value_or(0);
    std::int64_t best = (graph.preds[v].empty() || si > 0) ? input[v].processing_time + si : 0;
    for (std::size_t pred : graph.preds[v]) {
      best = std::max(best, M[pred] + input[v].processing_time);
    }
    M[v] = best;
  }
}

// DP labels: the ids (shifted to 0) when they are consecutive and every node but the
// largest has exactly one larger neighbour; otherwise 0, 1, … given in turn to the first node
// (input order) with at most one unlabelled neighbour.
std::vector<std::size_t> gsm_tree_labels(const std::vector<GsmTreeNode>& input,
                                         const GsmTreeGraph& graph) {
  const std::size_t n = input.size();
  std::vector<std::size_t> label(n);
  const std::int64_t min_id = graph.position.begin()->first;
  const std::int64_t max_id = graph.position.rbegin()->first;
  bool correct = max_id - min_id + 1 == static_cast<std::int64_t>(n);
  for (std::size_t v = 0; v < n && correct; ++v) {
    if (input[v].id == max_id) continue;
    int larger = 0;
    for (const auto* list : {&graph.preds[v], &graph.succs[v]}) {
      for (std::size_t w : *list) larger += input[w].id > input[v].id ? 1 : 0;
    }
    correct = larger == 1;
  }
  if (correct) {
    for (std::size_t v = 0; v < n; ++v) label[v] = static_cast<std::size_t>(input[v].id - min_id);
    return label;
  }
  std::vector<bool> labelled(n, false);
  for (std::size_t next = 0; next < n; ++next) {
    for (std::size_t v = 0; v < n; ++v) {
      if (labelled[v]) continue;
      int unlabelled = 0;
      for (const auto* list : {&graph.preds[v], &graph.succs[v]}) {
        for (std::size_t w : *list) unlabelled += labelled[w] ? 0 : 1;
      }
      if (unlabelled <= 1) {
        label[v] = next;
        labelled[v] = true;
        break;
      }
    }
  }
  return label;
}

// Walks the DP back from the largest label: the outbound CST of every label.
Result<std::vector<std::int64_t>> gsm_tree_backtrack(const GsmTreeSolver& solver,
                                                     std::int64_t best_SI) {
  const std::size_t n = solver.nodes.size();
  const std::size_t top = n - 1;
  std::vector<std::int64_t> opt_cst(n, 0), opt_in(n, 0);
  for (std::size_t k = n; k-- > 0;) {
    const GsmTreeNodeState& node = solver.nodes[k];
    if (k == top) {
      LC_TRY(out, gsm_best_lookup(node, best_SI, k));
      opt_cst[k] = out;
      opt_in[k] = best_SI;
    } else {
      std::size_t pk = node.larger;
      const GsmTreeNodeState& parent = solver.nodes[pk];
      bool ppk_downstream = pk != top && parent.larger_is_downstream;
      std::int64_t key = ppk_downstream ? opt_cst[pk] : opt_in[pk];
      LC_TRY(mine, gsm_best_lookup(parent, key, k));
      if (node.larger_is_downstream) {
        opt_cst[k] = mine;
        LC_TRY(in, gsm_best_lookup(node, opt_cst[k], k));
        opt_in[k] = in;
      } else {
        opt_in[k] = mine;
        LC_TRY(out, gsm_best_lookup(node, opt_in[k], k));
        opt_cst[k] = out;
      }
    }
    opt_cst[k] = std::min(opt_cst[k], node.so);
  }
  return opt_cst;
}

}  // namespace

Result<GsmTree> gsm_tree(const std::vector<GsmTreeNode>& input,
                         const std::vector<std::pair<std::int64_t, std::int64_t>>& edges) {
  const std::size_t n = input.size();
  LC_TRY(graph, gsm_tree_graph(input, edges));
  std::vector<double> variance;
  std::vector<std::int64_t> M;
  gsm_tree_net_demand(input, graph, variance, M);
  std::vector<std::size_t> label = gsm_tree_labels(input, graph);

  GsmTreeSolver solver;
  solver.nodes.resize(n);
  for (std::size_t v = 0; v < n; ++v) {
    GsmTreeNodeState& node = solver.nodes[label[v]];
    node.T = input[v].processing_time;
    node.si = input[v].external_inbound_cst.value_or(0);
    node.so = input[v].external_outbound_cst.value_or(kGsmBigInt);
    node.h = input[v].local_holding_cost;
    node.z = input[v].demand_bound_constant;
    node.sigma = std::sqrt(variance[v]);
    node.M = M[v];
    for (std::size_t w : graph.preds[v]) node.preds.push_back(label[w]);
    for (std::size_t w : graph.succs[v]) node.succs.push_back(label[w]);
    solver.max_max = std::max(solver.max_max, M[v]);
  }
  for (std::size_t k = 0; k < n; ++k) {
    GsmTreeNodeState& node = solver.nodes[k];
    for (std::size_t w : node.succs) {
      if (w > k) node.larger = w, node.larger_is_downstream = true;
    }
    for (std::size_t w : node.preds) {
      if (w > k) node.larger = w, node.larger_is_downstream = false;
    }
    node.theta.assign(solver.max_max + 1, kGsmInf);
    node.best.assign(solver.max_max + 1, {});
  }
  for (std::size_t k = 0; k < n; ++k) {
    if (k + 1 < n && solver.nodes[k].larger_is_downstream) {
      solver.theta_out(k);
    } else {
      solver.theta_in(k);
    }
    solver.finish(k);
  }
  // The largest label's best inbound CST (first minimum).
  const GsmTreeNodeState& top = solver.nodes[n - 1];
  std::int64_t best_SI = 0;
  for (std::int64_t SI = 1; SI <= top.M - top.T; ++SI) {
    if (top.theta[SI] < top.theta[best_SI]) best_SI = SI;
  }
  if (!std::isfinite(top.theta[best_SI])) {
    return fail(ErrorCode::invalid_argument, "inputs.nodes", "no feasible service times");
  }
  LC_TRY(opt_cst, gsm_tree_backtrack(solver, best_SI));
  GsmTree result{{}, top.theta[best_SI]};
  for (std::size_t v = 0; v < n; ++v) result.cst[input[v].id] = opt_cst[label[v]];
  return result;
}

}  // namespace livechain::planning
