package io.autonova.remediator.tools;

import java.io.PrintStream;

/** Placeholder until the backtest lands. */
final class Backtest {
    private Backtest() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        err.println("backtest: not available in this build");
        return RulesCli.USAGE;
    }
}
