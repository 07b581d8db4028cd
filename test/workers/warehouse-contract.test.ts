import { describeWarehouseContract } from '../support/warehouse-contract.ts';

describeWarehouseContract('workerd');
