package dev.caravel.billing.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Wraps a DataSource so that, at random, connecting, a statement or a commit fails the way they do
 * in production: an error before the statement ran, an error after it ran (its effect is in the
 * transaction, the client never hears), a dropped connection (the server rolls back), or a commit
 * that went through but whose answer was lost. Put it under the pool, as a driver's DataSource
 * would be, so the pool sees and evicts broken connections.
 */
final class FaultyDataSource implements DataSource {
  private static final Set<String> EXECUTES =
      Set.of(
          "execute",
          "executeQuery",
          "executeUpdate",
          "executeBatch",
          "executeLargeUpdate",
          "executeLargeBatch");

  private final DataSource delegate;
  private final Random random;
  private volatile double rate;
  final AtomicInteger injected = new AtomicInteger();

  FaultyDataSource(DataSource delegate, long seed, double rate) {
    this.delegate = delegate;
    this.random = new Random(seed);
    this.rate = rate;
  }

  void rate(double rate) {
    this.rate = rate;
  }

  private boolean roll() {
    synchronized (random) {
      return random.nextDouble() < rate;
    }
  }

  private int pick(int n) {
    synchronized (random) {
      return random.nextInt(n);
    }
  }

  private SQLException injected(String what, String state) {
    injected.incrementAndGet();
    return new SQLException("injected fault: " + what, state);
  }

  @Override
  public Connection getConnection() throws SQLException {
    if (roll()) {
      throw injected("connection refused", "08001");
    }
    return wrap(delegate.getConnection());
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    return getConnection();
  }

  private Connection wrap(Connection real) {
    ConnectionHandler handler = new ConnectionHandler(real);
    return (Connection)
        Proxy.newProxyInstance(
            getClass().getClassLoader(), new Class<?>[] {Connection.class}, handler);
  }

  private final class ConnectionHandler implements InvocationHandler {
    final Connection real;
    volatile boolean dropped;

    ConnectionHandler(Connection real) {
      this.real = real;
    }

    /**
     * The network is gone: the server rolls back whatever was open, the client only sees errors.
     */
    SQLException drop(String what) {
      dropped = true;
      try {
        real.close();
      } catch (SQLException ignored) {
        // already gone
      }
      return injected(what, "08006");
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      if (dropped) {
        switch (name) {
          case "close", "abort":
            return null;
          case "isClosed":
            return true;
          case "isValid":
            return false;
          default:
            throw new SQLException("connection lost (after an injected fault)", "08003");
        }
      }
      if (name.equals("commit") && roll()) {
        if (pick(2) == 0) {
          throw drop("connection dropped before commit");
        }
        call(real, method, args);
        throw drop("connection dropped after commit (it went through)");
      }
      Object result = call(real, method, args);
      if (result instanceof Statement statement) {
        Class<?> type =
            result instanceof CallableStatement
                ? CallableStatement.class
                : result instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
        return Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {type},
            new StatementHandler(statement, this));
      }
      return result;
    }
  }

  private final class StatementHandler implements InvocationHandler {
    final Statement real;
    final ConnectionHandler connection;

    StatementHandler(Statement real, ConnectionHandler connection) {
      this.real = real;
      this.connection = connection;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (connection.dropped && !method.getName().equals("close")) {
        throw new SQLException("connection lost (after an injected fault)", "08003");
      }
      if (!EXECUTES.contains(method.getName()) || !roll()) {
        return call(real, method, args);
      }
      switch (pick(4)) {
        case 0:
          throw injected("statement failed before it ran", "XX000");
        case 1:
          call(real, method, args);
          throw injected("statement ran, its answer was lost", "XX000");
        case 2:
          // what the database does to resolve a conflict: abort, and expect a rerun
          throw injected("serialization failure", "40001");
        default:
          throw connection.drop("connection dropped during a statement");
      }
    }
  }

  private static Object call(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  // ---- the rest of DataSource, delegated ----

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return delegate.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    delegate.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    delegate.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return delegate.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return delegate.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    throw new SQLException("not a wrapper");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return false;
  }
}
