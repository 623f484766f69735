process.env.MANDATE_E2E_TOPOLOGY = 'distributed';
