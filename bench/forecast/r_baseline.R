# bench/forecast/r_baseline.R — R's forecast::ets and thetaf on the same series that
# `livechain forecast evaluate` scores, read in place, for bench/forecast/run.sh.
#
# Usage: Rscript r_baseline.R DATA_DIR LIVECHAIN_OUT M3_EVERY OUT_CSV
#   DATA_DIR       the shared data folder (m3/, dominicks_oj/)
#   LIVECHAIN_OUT  the `evaluate` output folders' parent: m3/ and dominicks/ inside,
#                  each with predictions/ (livechain's forecasts, re-scored here on the
#                  same series so both sides see exactly the same points)
#   M3_EVERY       score every k-th M3 monthly series (1 = all 1,428; R's ets takes
#                  about 0.5–1 s per monthly series, so the default in run.sh is 4)
#   OUT_CSV        rows: dataset,method,metric,value,series,seconds
# Timing: wall time of the model fits and forecasts only (proc.time elapsed), one core.
suppressMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
data_dir <- args[1]; lc_out <- args[2]; every <- as.integer(args[3]); out_csv <- args[4]
rows <- list()
add <- function(dataset, method, metric, value, series, seconds) {
  rows[[length(rows) + 1]] <<- data.frame(dataset = dataset, method = method, metric = metric,
                                          value = value, series = series, seconds = seconds)
}
smape <- function(y, f) mean(ifelse(abs(y) + abs(f) == 0, 0, 200 * abs(y - f) / (abs(y) + abs(f))))

# ---- M3 monthly: sMAPE (README convention: mean of per-series sMAPE), h = 18 ----
info <- read.csv(file.path(data_dir, "m3", "M3-info.csv"))
train <- read.csv(gzfile(file.path(data_dir, "m3", "M3-train.csv.gz")))
test <- read.csv(gzfile(file.path(data_dir, "m3", "M3-test.csv.gz")))
lc <- read.csv(file.path(lc_out, "m3", "predictions", "m3.csv"))
ids <- info$id[info$category == "MONTHLY"]
ids <- ids[seq(1, length(ids), by = every)]
row_of <- function(df, id) { v <- as.numeric(df[df$id == id, -1]); v[!is.na(v)] }
acc <- list(ets = c(), thetaf = c(), livechain = c())
secs <- c(ets = 0, thetaf = 0)
for (id in ids) {
  y <- ts(row_of(train, id), frequency = 12)
  actual <- row_of(test, id)
  t0 <- proc.time()[["elapsed"]]
  f_ets <- as.numeric(forecast(ets(y), h = 18)$mean)
  t1 <- proc.time()[["elapsed"]]
  f_theta <- as.numeric(thetaf(y, h = 18)$mean)
  t2 <- proc.time()[["elapsed"]]
  secs["ets"] <- secs["ets"] + (t1 - t0)
  secs["thetaf"] <- secs["thetaf"] + (t2 - t1)
  acc$ets <- c(acc$ets, smape(actual, f_ets))
  acc$thetaf <- c(acc$thetaf, smape(actual, f_theta))
  acc$livechain <- c(acc$livechain, smape(actual, row_of(lc, id)[1:18]))
}
for (m in c("ets", "thetaf")) add("m3-monthly", paste0("R-", m), "smape", mean(acc[[m]]), length(ids), secs[[m]])
add("m3-monthly", "livechain", "smape", mean(acc$livechain), length(ids), NA)

# ---- Dominick's: WAPE on the observed store-brand-weeks 148–160, origin week 147 ----
oj <- read.csv(gzfile(file.path(data_dir, "dominicks_oj", "oj_weekly.csv.gz")))
oj <- oj[order(oj$store, oj$brand, oj$week), ]
keys <- unique(oj[, c("store", "brand")])
err <- c(ets = 0, thetaf = 0); total <- 0; secs <- c(ets = 0, thetaf = 0); points <- 0
for (k in seq_len(nrow(keys))) {
  s <- oj[oj$store == keys$store[k] & oj$brand == keys$brand[k], ]
  tr <- s[s$week <= 147, ]; te <- s[s$week >= 148 & s$week <= 160, ]
  if (nrow(te) == 0 || nrow(tr) < 4) next
  # Observed weeks in order (a missing week is unobserved: it is skipped, not zero);
  # step h = holdout week − 147.
  h <- max(te$week) - 147
  y <- ts(tr$packages, frequency = 1)
  t0 <- proc.time()[["elapsed"]]
  f_ets <- pmax(0, as.numeric(forecast(ets(y), h = h)$mean))
  t1 <- proc.time()[["elapsed"]]
  f_theta <- pmax(0, as.numeric(thetaf(y, h = h)$mean))
  t2 <- proc.time()[["elapsed"]]
  secs["ets"] <- secs["ets"] + (t1 - t0); secs["thetaf"] <- secs["thetaf"] + (t2 - t1)
  step <- te$week - 147
  err["ets"] <- err["ets"] + sum(abs(te$packages - f_ets[step]))
  err["thetaf"] <- err["thetaf"] + sum(abs(te$packages - f_theta[step]))
  total <- total + sum(te$packages); points <- points + nrow(te)
}
for (m in c("ets", "thetaf")) add("dominicks", paste0("R-", m), "wape", err[[m]] / total, points, secs[[m]])
write.csv(do.call(rbind, rows), out_csv, row.names = FALSE, quote = FALSE)
