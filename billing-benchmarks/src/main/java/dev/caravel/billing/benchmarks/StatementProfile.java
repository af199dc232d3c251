package dev.caravel.billing.benchmarks;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * Where a benchmark's database time goes ({@code -Dprofile=true}): a proxy of the data source that
 * counts each prepared statement's executions and the time the caller waited for them (lock waits
 * included), and commits; printed per invoice, the costliest first.
 */
final class StatementProfile {
  private record Cost(LongAdder calls, LongAdder nanos) {}

  private final Map<String, Cost> costs = new ConcurrentHashMap<>();

  DataSource wrap(DataSource dataSource) {
    return proxy(DataSource.class, dataSource, null);
  }

  private <T> T proxy(Class<T> type, T target, String sql) {
    InvocationHandler handler =
        (p, method, args) -> {
          String name = method.getName();
          long t0 = System.nanoTime();
          Object result;
          try {
            result = method.invoke(target, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          long spent = System.nanoTime() - t0;
          if (result instanceof Connection c) {
            return proxy(Connection.class, c, null);
          }
          if (result instanceof PreparedStatement ps && name.equals("prepareStatement")) {
            return proxy(PreparedStatement.class, ps, (String) args[0]);
          }
          if (sql != null && name.startsWith("execute")) {
            record(sql, spent);
          } else if (name.equals("commit") || name.equals("rollback")) {
            record(name.toUpperCase(Locale.ROOT), spent);
          }
          return result;
        };
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
  }

  private void record(String sql, long nanos) {
    Cost cost = costs.computeIfAbsent(sql, s -> new Cost(new LongAdder(), new LongAdder()));
    cost.calls().increment();
    cost.nanos().add(nanos);
  }

  void print(String title, int invoices) {
    List<Map.Entry<String, Cost>> rows = new ArrayList<>(costs.entrySet());
    rows.sort((a, b) -> Long.compare(b.getValue().nanos().sum(), a.getValue().nanos().sum()));
    long calls = rows.stream().mapToLong(e -> e.getValue().calls().sum()).sum();
    System.out.printf(
        Locale.ROOT,
        "%s: %.1f statements per invoice (calls per invoice, waited ms in all, statement)%n",
        title,
        calls / (double) invoices);
    List<Map.Entry<String, Cost>> shown =
        new ArrayList<>(rows.subList(0, Math.min(20, rows.size())));
    // and the page-level statements (far fewer than one per invoice), which the top rows hide
    rows.stream()
        .filter(e -> !shown.contains(e) && e.getValue().calls().sum() < invoices / 2)
        .limit(25)
        .forEach(shown::add);
    for (Map.Entry<String, Cost> e : shown) {
      String sql = e.getKey().replaceAll("\\s+", " ");
      System.out.printf(
          Locale.ROOT,
          "  %6.2f %9.0f  %s%n",
          e.getValue().calls().sum() / (double) invoices,
          e.getValue().nanos().sum() / 1e6,
          sql.length() > 140 ? sql.substring(0, 140) : sql);
    }
    costs.clear();
  }
}
