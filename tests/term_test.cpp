// Progress arithmetic (util/term.h): the ETA comes from the recent rate, is
// hidden until there is something to go on, and is never a stale zero.
#include "util/term.h"

#include <gtest/gtest.h>

namespace beaver {
namespace {

TEST(RateWindow, FollowsTheRecentRateNotTheAverage) {
  RateWindow w(10.0);
  EXPECT_EQ(w.rate(), 0);
  // A slow start: 100 items in the first 20 s, then 1000/s for 10 s.
  for (int t = 0; t <= 20; ++t) w.add(t, std::size_t(t * 5));
  EXPECT_NEAR(w.rate(), 5.0, 0.01);
  for (int t = 21; t <= 30; ++t) w.add(t, std::size_t(100 + (t - 20) * 1000));
  EXPECT_NEAR(w.rate(), 1000.0, 0.01);  // the average since the start would be 336/s
}

TEST(RateWindow, KeepsOneSampleBeforeTheWindow) {
  RateWindow w(10.0);
  w.add(0, 0);
  w.add(100, 500);  // one update after a long stall: the rate spans it
  EXPECT_NEAR(w.rate(), 5.0, 0.01);
  w.add(100, 500);
  EXPECT_NEAR(w.rate(), 5.0, 0.01);
}

TEST(ProgressLine, EtaOnlyOnceThereIsARate) {
  EXPECT_EQ(progress_line("indexing", 10, 100, 0, 10, false), "indexing  10% 10/100 0/s ETA -:--");
  // Too early to say: the first seconds open packs and read the biggest commits.
  EXPECT_EQ(progress_line("indexing", 10, 100, 50, 1, false), "indexing  10% 10/100 50/s ETA -:--");
  EXPECT_EQ(progress_line("indexing", 10, 100, 2, 5, false), "indexing  10% 10/100 2/s ETA 0:45");
  EXPECT_EQ(progress_line("x", 0, 100000, 10, 5, false), "x   0% 0/100000 10/s ETA 2:46:40");
  EXPECT_EQ(progress_line("x", 50, 100, 1, 5, true), "x [############............]  50% 50/100 1/s ETA 0:50");
  EXPECT_EQ(progress_line("x", 0, 0, 0, 5, false), "x 100% 0/0 0/s ETA -:--");
}

}  // namespace
}  // namespace beaver
