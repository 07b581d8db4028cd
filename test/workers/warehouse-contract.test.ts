import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { databaseUrl, uniqueDatabase } from '../support/databases.ts';
import { describePostgresWarehouse } from '../support/postgres-warehouse.ts';
import { describeWarehouseContract } from '../support/warehouse-contract.ts';

describeWarehouseContract('postgres.js, workerd', () =>
  createPostgresWarehouse(databaseUrl(uniqueDatabase('contract_workerd')), { max: 4 }),
);
describePostgresWarehouse('workerd');
