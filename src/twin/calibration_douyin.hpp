// src/twin/calibration_douyin.hpp — GENERATED, do not edit by hand.
//
// Session-level log-normal fits per host from the Douyin/Chanmama data set
// (../shared/data/douyin_live_chanmama/sessions.csv.gz, 1,224 real sessions of 20
// hosts, Jun-Aug 2021; read in place, never copied). Parameters only, no data.
// Regenerate with:
//   livechain simulate --fit-calibration
//       ../shared/data/douyin_live_chanmama/sessions.csv.gz
//     > src/twin/calibration_douyin.hpp   (then clang-format -i it)
// Fields: sessions, share of sessions without sales, then (mean, sd) of the natural
// log of views and of units, the correlation of the two logs, then (mean, sd) of
// the log of GMV per unit (CNY), duration (s), products listed. Units, the
// correlation and GMV per unit are fitted on sessions with sales only.
// tests/twin/calibration_test.cpp refits from the data and checks these values.
#pragma once

#include <cstdint>

namespace livechain::twin {

struct DouyinHostFit {
  const char* host;
  uint32_t sessions;
  double zero_sales_share;
  double log_views_mean, log_views_sd;
  double log_units_mean, log_units_sd, views_units_log_corr;
  double log_gmv_per_unit_mean, log_gmv_per_unit_sd;
  double log_duration_s_mean, log_duration_s_sd;
  double log_products_mean, log_products_sd;
};

inline constexpr DouyinHostFit kDouyinHostFits[] = {
    {"Ares Cheng", 60, 0.1333, 14.0042, 2.7852, 10.1846, 2.4202, 0.8964, 5.2747, 1.3702, 8.4741,
     2.5425, 3.8307, 0.7830},
    {"Beibei Tu", 38, 0.0526, 13.6336, 2.4757, 10.2679, 2.2167, 0.8131, 4.3350, 1.0207, 9.0898,
     1.5135, 3.8737, 0.6581},
    {"Cao Ying", 60, 0.2500, 13.3257, 1.3305, 9.2605, 1.6515, 0.8861, 4.1778, 1.5065, 8.9453,
     1.1988, 3.5869, 1.0461},
    {"Chen SanfeiGG", 127, 0.0394, 14.4643, 1.6490, 10.3712, 2.3225, 0.9091, 3.5425, 0.6232, 8.6391,
     1.4552, 4.0320, 0.4634},
    {"Jia Nailiang", 4, 0.0000, 16.8136, 0.6924, 12.7780, 1.1010, 0.9707, 4.9103, 0.2618, 9.8099,
     0.6424, 4.1638, 0.6444},
    {"Liu Fang Posture Corrector", 186, 0.4946, 14.1676, 0.4501, 9.1651, 2.5334, 0.1480, 4.8494,
     0.4425, 9.4103, 0.3600, 1.2615, 1.1609},
    {"Liu Yuanyuan", 125, 0.0400, 13.2785, 1.1587, 9.6471, 1.0887, 0.8979, 4.6440, 0.5201, 9.4200,
     1.1013, 3.6017, 0.6351},
    {"Lou Yixiao", 17, 0.0000, 14.9667, 1.2163, 10.9399, 1.4581, 0.9711, 4.2309, 0.4444, 9.3872,
     1.0003, 3.6518, 0.8401},
    {"Lovemimius", 56, 0.1429, 12.4636, 2.3679, 10.1384, 2.4974, 0.7763, 4.6131, 0.9993, 8.8347,
     2.0076, 3.8603, 1.4404},
    {"Luo Yonghao", 133, 0.1955, 14.9621, 1.4457, 11.4012, 0.5928, 0.8439, 4.6227, 0.4335, 9.2612,
     2.5955, 4.2819, 0.5643},
    {"Mr.Dong Jewelry", 37, 0.0000, 15.3226, 1.0424, 11.9862, 1.3851, 0.9475, 4.1493, 1.6712,
     9.2810, 0.8811, 4.1519, 0.7947},
    {"Qi Wei", 14, 0.0714, 15.7854, 0.8913, 11.2207, 2.0170, 0.8625, 5.1212, 0.6900, 9.3275, 2.6213,
     4.5664, 0.2948},
    {"Qiu Yingying", 81, 0.0988, 12.6013, 1.5613, 9.0707, 1.8621, 0.7063, 5.2824, 0.7262, 9.4927,
     1.4812, 3.2846, 1.5772},
    {"Rainbow Couple", 38, 0.0526, 14.3723, 1.8226, 11.2220, 1.6101, 0.9838, 4.1255, 0.3813, 9.2310,
     1.1575, 3.8973, 0.6890},
    {"Shu Chang", 25, 0.2000, 15.0521, 1.2552, 11.3078, 0.8494, 0.9100, 4.1430, 0.5119, 8.9626,
     2.0828, 3.7659, 0.4907},
    {"Tu Lei", 60, 0.5167, 14.2753, 1.6340, 11.0246, 0.8439, 0.8614, 4.2227, 0.9231, 8.7374, 1.6066,
     3.3080, 0.7448},
    {"Wang Zulan", 19, 0.0000, 15.1215, 1.0299, 11.2559, 0.9888, 0.9450, 3.9740, 0.4778, 9.2242,
     0.6864, 3.5286, 0.5429},
    {"Zhang Ting", 20, 0.0500, 15.9092, 0.5071, 12.3018, 0.7491, 0.7819, 3.8261, 0.6859, 9.6226,
     1.9223, 4.1072, 0.5506},
    {"Zhu Zixiao", 51, 0.0588, 15.1047, 1.2924, 11.4902, 1.2566, 0.8991, 4.4504, 0.6331, 9.6596,
     0.9850, 4.2889, 0.7589},
    {"Zi An", 73, 0.0274, 12.9421, 1.3919, 8.1019, 1.3277, 0.9169, 7.1523, 0.6291, 9.0348, 1.1573,
     4.8575, 0.8829},
};

}  // namespace livechain::twin
