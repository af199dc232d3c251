package dev.caravel.billing.jdbc;

import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

class FaultsH2Test extends FaultsContract {
  private final List<DataSource> databases = new ArrayList<>();

  @Override
  DataSource newDatabase() {
    DataSource ds = Databases.newH2();
    databases.add(ds);
    return ds;
  }

  @Override
  void closeDatabases() {
    databases.forEach(Databases::shutdownH2);
  }
}
