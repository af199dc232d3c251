package dev.caravel.billing.jdbc;

import javax.sql.DataSource;

class ManyInstancesPostgresTest extends ManyInstancesContract {
  private String schema;

  @Override
  void openDatabase() {
    schema = Databases.newPostgresSchema();
  }

  @Override
  DataSource newPool(int size) {
    return Databases.postgresPool(schema, size);
  }

  @Override
  void closeDatabase() {
    Databases.dropPostgresSchema(schema);
  }

  @Override
  int tenants() {
    return 2000;
  }
}
