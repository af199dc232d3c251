package dev.caravel.billing.jdbc;

import javax.sql.DataSource;

class ClosesAcrossInstancesPostgresTest extends ClosesAcrossInstancesContract {
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
}
